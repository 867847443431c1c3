"""ESCO taxonomy: import the official CSV files (any language) and look concepts up.

ESCO publishes its occupations, skills, ISCO groups and skill groups as one CSV file per
kind and label language (occupations_en.csv, skills_fr.csv ...) plus language-independent
relation files (broaderRelations*.csv, occupationSkillRelations*.csv). Everything here is
keyed on concept URIs, never on labels: labels differ per language and change between
releases, URIs do not.

The package re-exports its public API, so callers write `from matching import esco` and
`esco.import_esco(...)`. Importing it registers the tables with SQLModel (core.db imports
"matching.esco" for that). Modules, each with one job:

- `tables`: the SQLModel tables and the constants they share (storage layout explained there);
- `files`: recognising ESCO files by name (kind, language, source);
- `csv_table`: reading a CSV file completely, errors naming file, line and column;
- `values`: field values (label splitting, URI, ISCO code, regulated-profession checks);
- `csv_rows`: ESCO CSV files to validated concept, text and relation rows;
- `sql`: connections, IN-list chunks and upsert, alike on SQLite and PostgreSQL;
- `reports`: import reports and progress bars;
- `writer`: writing rows in one transaction per file, counting added, changed, unchanged;
- `importer`: `import_esco`, the CSV import of a directory;
- `core_taxonomy`: `import_core_taxonomy`, the bundled seeds/esco_core.jsonl;
- `lookup`: concepts, merged labels, counts, broader chains, occupation skills by URI;
- `documents`: search documents (core.search IndexDocuments) per concept.
"""

from matching.esco.core_taxonomy import import_core_taxonomy
from matching.esco.csv_table import CsvTable, read_csv
from matching.esco.documents import concept_documents
from matching.esco.files import EXPECTED_FILES, EscoFile, find_esco_files, normalize_language
from matching.esco.importer import import_esco
from matching.esco.lookup import (
    ConceptLabels,
    broader_chain,
    counts,
    get_concept,
    labels,
    merge_texts,
    occupation_skills,
)
from matching.esco.reports import EscoImportReport, FileImportReport, ProgressBar, ProgressFactory
from matching.esco.sql import SessionOrEngine, upsert
from matching.esco.tables import (
    CONCEPT_TYPES,
    CORE_SOURCE,
    DEFAULT_CORE_TAXONOMY,
    ESCO_URI_PREFIX,
    RELATION_TYPES,
    EscoBroader,
    EscoCollectionMember,
    EscoConcept,
    EscoConceptText,
    EscoOccupationSkill,
)
from matching.esco.values import is_esco_uri, is_regulated, split_labels
from matching.esco.writer import ParsedConcepts

__all__ = [
    "CONCEPT_TYPES",
    "CORE_SOURCE",
    "DEFAULT_CORE_TAXONOMY",
    "ESCO_URI_PREFIX",
    "EXPECTED_FILES",
    "RELATION_TYPES",
    "ConceptLabels",
    "CsvTable",
    "EscoBroader",
    "EscoCollectionMember",
    "EscoConcept",
    "EscoConceptText",
    "EscoFile",
    "EscoImportReport",
    "EscoOccupationSkill",
    "FileImportReport",
    "ParsedConcepts",
    "ProgressBar",
    "ProgressFactory",
    "SessionOrEngine",
    "broader_chain",
    "concept_documents",
    "counts",
    "find_esco_files",
    "get_concept",
    "import_core_taxonomy",
    "import_esco",
    "is_esco_uri",
    "is_regulated",
    "labels",
    "merge_texts",
    "normalize_language",
    "occupation_skills",
    "read_csv",
    "split_labels",
    "upsert",
]
