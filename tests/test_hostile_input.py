"""Random and malformed input for every importer, API endpoint and form (hypothesis).

Properties: never a 500 and never a traceback in a body; the API answers errors as JSON;
an importer either imports or raises a HeadstartError, and a file it refuses leaves every
table's row count as it was (nothing partly written).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import SQLModel
from werkzeug.datastructures import MultiDict

from core.errors import HeadstartError
from tests.signing_in import plant_sign_in
from tests.test_access_matrix import build_world, signed_in_client
from webapp.security import SESSION_KEY

ROOT = Path(__file__).resolve().parents[1]
ESCO_FIXTURES = ROOT / "tests" / "fixtures" / "esco"
LIBRARY_SEEDS = ROOT / "seeds" / "library"
MATCHING_SEEDS = ROOT / "seeds" / "matching"

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ---------------------------------------------------------------------------- strategies

NASTY_TEXT = st.sampled_from(
    [
        "", " ", "\x00", "a\x00b", "\ud7ff", "\u202e\u0645\u0631\u062d\u0628\u0627", "💥" * 50, "%00", "../../etc/passwd",
        "<script>alert(1)</script>", "' OR 1=1 --", '"', "*", "NEAR(", "title:x", "9" * 5000, "²", "-1", "1e400",
        "NaN", "Infinity", "null", "[]", "{}", "x" * 20_000, "\r\n\r\n", "%(name)s", "{{7*7}}", "0x10", "١٢٣",
    ]
)
TEXT = st.one_of(NASTY_TEXT, st.text(max_size=40), st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
HUGE_NUMBERS = st.sampled_from([10**400, -(10**400), 2**63, -(2**63) - 1, 1e308, -1e308, 0.1, -0.0, 10**4000])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), HUGE_NUMBERS, st.floats(allow_nan=False), TEXT)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=15,
)


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def dumps(value) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except ValueError:  # an int too large to write
        return "1" + "0" * 5000


def objects_with(keys: list[str]) -> st.SearchStrategy[dict]:
    """Dicts over a model's own field names, so validation goes past the first field."""
    return st.dictionaries(st.one_of(st.sampled_from(keys), TEXT), JSON, max_size=len(keys) + 2)


def seed_items(name: str) -> list[dict]:
    return [json.loads(line) for line in (MATCHING_SEEDS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


def mutated(items: list[dict], keys: list[str]) -> st.SearchStrategy[dict]:
    """A valid seed item with one field replaced by something random."""
    return st.tuples(st.sampled_from(items), st.sampled_from(keys), JSON).map(lambda t: {**t[0], t[1]: t[2]})


def table_counts(engine) -> dict[str, int]:
    counts = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            counts[table.name] = connection.execute(select(func.count()).select_from(table)).scalar_one()
    return counts


def bytes_mutation(data: bytes) -> st.SearchStrategy[bytes]:
    """Overwrite, insert or cut bytes of a valid file."""

    def apply(edits):
        out = bytearray(data)
        for kind, where, chunk in edits:
            position = int(where * len(out)) if out else 0
            if kind == "set" and out:
                out[min(position, len(out) - 1)] = chunk[0] if chunk else 0
            elif kind == "insert":
                out[position:position] = chunk
            else:
                del out[position : position + len(chunk) * 10]
        return bytes(out)

    edit = st.tuples(
        st.sampled_from(["set", "insert", "cut"]),
        st.floats(min_value=0, max_value=1),
        st.one_of(
            st.binary(min_size=1, max_size=8),
            st.sampled_from([b'"', b",", b"\n", b"\x00", b"\xff\xfe", b"---\n", b"\r", b"{#", b"|", b"\xc3"]),
        ),
    )
    return st.lists(edit, min_size=1, max_size=4).map(apply)


class Scratch:
    """A temporary directory per example (hypothesis reuses the function's fixtures)."""

    def __enter__(self) -> Path:
        self.path = Path(tempfile.mkdtemp(prefix="hostile-"))
        return self.path

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


# ---------------------------------------------------------------------------- library import

LIBRARY_FILES = sorted((LIBRARY_SEEDS / "practices").glob("*.md"))[:5] + sorted((LIBRARY_SEEDS / "handbook").glob("*.md"))[:3]


def _library_csv_and_jsonl() -> dict[str, bytes]:
    from kb.service import list_records  # noqa: F401  (import check only)
    from practices.markdown_format import parse_markdown_record
    from practices.tabular_format import write_csv_records, write_jsonl_records

    records = [parse_markdown_record(path.read_text(encoding="utf-8")) for path in LIBRARY_FILES if ".fr." not in path.name]
    practices = [record for record in records if record.kind == "practice"]
    return {
        "library.csv": write_csv_records(practices).encode(),
        "library.jsonl": write_jsonl_records(practices).encode(),
    }


@st.composite
def library_file(draw) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(["md", "csv", "jsonl", "random"]))
    if kind == "md":
        source = draw(st.sampled_from(LIBRARY_FILES))
        return source.name, draw(bytes_mutation(source.read_bytes()))
    tabular = _library_csv_and_jsonl()
    if kind in ("csv", "jsonl"):
        name = f"library.{kind}"
        return name, draw(bytes_mutation(tabular[name]))
    name = draw(st.sampled_from(["x.md", "x.csv", "x.jsonl", "x.markdown"]))
    if name.endswith(".jsonl"):
        lines = draw(st.lists(st.one_of(JSON.map(dumps), st.just(deep(3000))), min_size=1, max_size=4))
        return name, "\n".join(lines).encode()
    return name, draw(st.one_of(st.binary(max_size=300), TEXT.map(str.encode)))


@FUZZ
@given(file=library_file())
def test_library_import_of_a_broken_file_writes_nothing(runtime, file):
    from kb.service import import_library

    name, content = file
    before = table_counts(runtime.engine)
    with Scratch() as directory:
        (directory / name).write_bytes(content)
        try:
            report = import_library(runtime, directory)
        except HeadstartError:
            assert table_counts(runtime.engine) == before
            return
        if report.failed:
            assert table_counts(runtime.engine) == before, report.failed


def test_one_bad_row_keeps_the_whole_tabular_file_out(runtime):
    from kb.service import import_library

    tabular = _library_csv_and_jsonl()
    before = table_counts(runtime.engine)
    with Scratch() as directory:
        lines = tabular["library.jsonl"].decode().splitlines()
        lines[-1] = lines[-1].replace('"language": "en"', '"language": "zz"')
        (directory / "library.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        report = import_library(runtime, directory)
    assert report.failed and table_counts(runtime.engine) == before


# ---------------------------------------------------------------------------- ESCO import

ESCO_FILES = sorted(ESCO_FIXTURES.glob("*.csv"))


@FUZZ
@given(source=st.sampled_from(ESCO_FILES), data=st.data())
def test_esco_import_of_a_broken_file_writes_nothing(runtime, source, data):
    from matching.taxonomy_index import import_taxonomy

    content = data.draw(st.one_of(bytes_mutation(source.read_bytes()), st.binary(max_size=200)))
    before = table_counts(runtime.engine)
    with Scratch() as directory:
        (directory / source.name).write_bytes(content)
        try:
            import_taxonomy(runtime, directory)
        except HeadstartError:
            assert table_counts(runtime.engine) == before


def test_esco_directory_with_one_broken_file_keeps_that_file_out(runtime):
    from matching.taxonomy_index import import_taxonomy

    with Scratch() as directory:
        for path in ESCO_FILES:
            shutil.copy(path, directory / path.name)
        text = (directory / "skills_en-us.csv").read_text(encoding="utf-8")
        (directory / "skills_en-us.csv").write_text(text + 'KnowledgeSkillCompetence,"unclosed\n', encoding="utf-8")
        (directory / "occupationSkillRelations_en.csv").unlink()
        with pytest.raises(HeadstartError, match="skills_en-us.csv"):
            import_taxonomy(runtime, directory)
    from matching import esco

    assert esco.counts(runtime.engine).get("skill", 0) == 0  # the broken file wrote nothing


# ---------------------------------------------------------------------------- profiles, vacancies, offers

def _record_keys(model) -> list[str]:
    return list(model.model_fields)


JOB_POSTING_KEYS = ["@type", "title", "description", "hiringOrganization", "jobLocation", "occupationalCategory", "skills",
                    "baseSalary", "employmentType", "datePosted", "validThrough", "identifier", "url"]  # fmt: skip


@st.composite
def record_file(draw, kind: str) -> tuple[str, bytes]:
    from matching.models import ServiceOfferInput, SkillProfileInput, VacancyInput

    model = {"profiles": SkillProfileInput, "vacancies": VacancyInput, "offers": ServiceOfferInput}[kind]
    keys = _record_keys(model)
    seeds = seed_items(kind)
    item = st.one_of(mutated(seeds, keys), objects_with(keys), JSON, st.sampled_from(seeds))
    if kind == "vacancies":
        posting = objects_with(JOB_POSTING_KEYS).map(lambda d: {**d, "@type": "JobPosting"})
        item = st.one_of(item, posting, posting.map(lambda d: {**d, "title": "Nurse", "hiringOrganization": {"name": "X"}}))
    items = draw(st.lists(item, min_size=1, max_size=4))
    shape = draw(st.sampled_from(["jsonl", "json", "jsonld", "graph", "raw"]))
    if shape == "jsonl":
        return "records.jsonl", "\n".join(dumps(i) for i in items).encode()
    if shape == "json":
        return "records.json", dumps(items).encode()
    if shape == "graph":
        return "records.jsonld", dumps({"@context": "https://schema.org", "@graph": items}).encode()
    if shape == "jsonld":
        return "records.jsonld", dumps(items[0]).encode()
    raw = draw(st.one_of(st.binary(max_size=200), st.just(deep(100_000).encode()), st.just(b"[" + b"9" * 5000 + b"]")))
    return draw(st.sampled_from(["records.jsonl", "records.json"])), raw


@pytest.mark.parametrize("kind", ["profiles", "vacancies", "offers"])
def test_record_import_of_a_broken_file_writes_nothing(core_runtime, kind):
    from matching import records

    importer = {"profiles": records.import_profiles, "vacancies": records.import_vacancies, "offers": records.import_offers}[kind]

    @FUZZ
    @given(file=record_file(kind))
    def check(file):
        name, content = file
        before = table_counts(core_runtime.engine)
        with Scratch() as directory:
            (directory / name).write_bytes(content)
            try:
                importer(core_runtime, directory / name)
            except HeadstartError:
                assert table_counts(core_runtime.engine) == before

    check()


def test_a_bad_last_line_keeps_the_whole_record_file_out(core_runtime):
    from matching import records

    before = table_counts(core_runtime.engine)
    with Scratch() as directory:
        lines = (MATCHING_SEEDS / "vacancies.jsonl").read_text(encoding="utf-8").splitlines()
        lines.append(json.dumps({"employer": "X", "title": "Y", "country": "not a country"}))
        (directory / "v.jsonl").write_text("\n".join(lines), encoding="utf-8")
        with pytest.raises(HeadstartError, match=f"line {len(lines)}"):
            records.import_vacancies(core_runtime, directory / "v.jsonl")
    assert table_counts(core_runtime.engine) == before


# ---------------------------------------------------------------------------- the JSON API

TRACEBACK = re.compile(rb"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+")


def api_rules(app) -> list:
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/") or rule.rule == "/healthz"]


def _path_for(rule, draw) -> str:
    path = rule.rule
    for argument in rule.arguments:
        converter = rule._converters[argument]
        if type(converter).__name__ == "IntegerConverter":
            value = str(draw(st.one_of(st.integers(min_value=1, max_value=5), st.integers(min_value=0, max_value=2**70))))
        else:
            value = quote(draw(TEXT) or "x", safe="")
        path = re.sub(rf"<(?:[^<>:]+:)?{argument}>", value, path)
    return path


PARAMETER_NAMES = ["q", "top", "lang", "page", "per_page", "sort", "country", "status", "kind", "mode", "query_lang",
                   "destination", "occupation", "include_excluded", "gaps", "measure_type", "target_group", "quality",
                   "topic", "language"]  # fmt: skip


@st.composite
def api_request(draw, rules):
    rule = draw(st.sampled_from(rules))
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
    method = draw(st.one_of(st.sampled_from(methods), st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"])))
    path = _path_for(rule, draw)
    params = draw(st.lists(st.tuples(st.one_of(st.sampled_from(PARAMETER_NAMES), TEXT), TEXT), max_size=5))
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params)
    body_kind = draw(st.sampled_from(["none", "json", "raw-json", "form", "bytes"]))
    headers = {}
    body: bytes | None = None
    if body_kind == "json":
        body = dumps(draw(JSON)).encode()
        headers["Content-Type"] = "application/json"
    elif body_kind == "raw-json":
        body = draw(st.sampled_from([deep(100_000), "1" * 5000, '{"text": "\x00"}', '{"a":', "\xff", "NaN", '{"days": "²"}',
                                     '{"recipient_kind": "mrc", "recipient": "x", "days": "' + "9" * 5000 + '"}']))  # fmt: skip
        body = body.encode("utf-8", "surrogatepass")
        headers["Content-Type"] = draw(st.sampled_from(["application/json", "application/json; charset=latin-1", "text/plain"]))
    elif body_kind == "form":
        body = query.encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body_kind == "bytes":
        body = draw(st.binary(max_size=100))
        headers["Content-Type"] = draw(st.sampled_from(["multipart/form-data; boundary=x", "application/xml", "", "application/json"]))
    return method, path + ("?" + query if query else ""), body, headers


def assert_clean(response, where: str, *, json_errors: bool) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code} {response.get_data()[:300]!r}"
    assert not TRACEBACK.search(response.get_data()), f"{where}: traceback in the body"
    if json_errors and response.status_code >= 400:
        assert response.is_json, f"{where}: {response.status_code} is not JSON: {response.content_type}"
        assert isinstance(response.get_json(), dict) and "error" in response.get_json(), where


@pytest.fixture
def seeded_app(app, core_runtime):
    """The app with a library record, profiles, vacancies and offers to hit by id."""
    from kb.service import import_library
    from matching import records

    import_library(core_runtime, LIBRARY_SEEDS / "practices" / "au-palm.md")
    for kind in ("vacancies", "profiles", "offers"):
        getattr(records, f"import_{kind}")(core_runtime, MATCHING_SEEDS / f"{kind}.jsonl")
    return app


def test_api_never_fails_on_hostile_requests(seeded_app):
    client = seeded_app.test_client()
    rules = api_rules(seeded_app)
    assert len(rules) >= 20

    @settings(FUZZ, max_examples=120)
    @given(request=api_request(rules))
    def check(request):
        method, path, body, headers = request
        response = client.open(path, method=method, data=body, headers=headers)
        assert_clean(response, f"{method} {path}", json_errors=True)
        response.close()

    check()


@pytest.mark.parametrize("path", ["/api/v1/kb/search?q=", "/api/v1/kb/search?q=" + "x" * 5000, "/api/v1/kb/search?page=" + "9" * 5000,
                                  "/api/v1/vacancies?page=" + "9" * 5000, "/api/v1/eligibility?lang=de", "/api/v1/occupations/suggest?top=²",
                                  "/api/v1/kb/documents/%00", "/api/v1/profiles/1/matches?top=" + "9" * 5000])  # fmt: skip
def test_api_edge_cases_answer_json(seeded_app, path):
    response = seeded_app.test_client().get(path)
    assert_clean(response, path, json_errors=True)


@pytest.mark.parametrize(
    "body",
    [deep(100_000), '{"recipient_kind": "mrc", "recipient": "MRC", "days": "²"}',
     '{"recipient_kind": "mrc", "recipient": "MRC", "days": "' + "9" * 5000 + '"}',
     '{"recipient_kind": "mrc", "recipient": "MRC", "days": ' + "9" * 5000 + "}"],
)  # fmt: skip
def test_api_consent_with_odd_days(seeded_app, body):
    response = seeded_app.test_client().post("/api/v1/profiles/1/consents", data=body, content_type="application/json")
    assert_clean(response, body[:40], json_errors=True)


# ---------------------------------------------------------------------------- the HTML forms

FORM = re.compile(rb'<form\b[^>]*method="post"[^>]*>(.*?)</form>', re.S | re.I)
NAME = re.compile(rb'\bname="([^"]+)"')
ACTION = re.compile(rb'<form\b[^>]*action="([^"]*)"', re.I)


def form_fields(html: bytes) -> list[str]:
    names = {name.decode() for form in FORM.findall(html) for name in NAME.findall(form)}
    return sorted(names - {"csrf_token"})


@pytest.fixture
def form_world(app, core_runtime, make_user):
    return build_world(core_runtime, make_user)


# (form page to read the field names from, where to POST, who posts). Admin posts the
# practitioner's library form too; every route with a POST form is here.
FORM_ROUTES = [
    ("/register", "/register", None),
    ("/login", "/login", None),
    ("/", "/language", "migrant"),
    ("/library/new", "/library/new", "practitioner"),
    ("/library/{record}/edit", "/library/{record}/edit", "practitioner"),
    ("/library/new", "/library/check", "practitioner"),
    ("/profiles/new", "/profiles/new", "migrant"),
    ("/profiles/{profile}/edit/about", "/profiles/{profile}/edit/about", "migrant"),
    ("/profiles/{profile}/edit/work", "/profiles/{profile}/edit/work", "migrant"),
    ("/profiles/{profile}/edit/skills", "/profiles/{profile}/edit/skills", "migrant"),
    ("/profiles/{profile}/edit/languages", "/profiles/{profile}/edit/languages", "migrant"),
    ("/profiles/{profile}/edit/consent", "/profiles/{profile}/edit/consent", "migrant"),
    ("/profiles/{profile}/edit/consent", "/profiles/{profile}/consents", "migrant"),
    ("/profiles/{profile}/caseworker", "/profiles/{profile}/caseworker", "practitioner"),
    ("/profiles/{profile}/caseworker", "/profiles/{profile}/notes", "practitioner"),
    ("/vacancies/new", "/vacancies/new", "employer"),
    ("/vacancies/{vacancy}/edit", "/vacancies/{vacancy}/edit", "employer"),
    ("/offers/new", "/offers/new", "provider"),
    ("/offers/{offer}/edit", "/offers/{offer}/edit", "provider"),
    ("/orientation", "/orientation", None),  # a GET form: the query string is the input
    ("/account/delete", "/account/delete", "other_migrant"),
]


def test_forms_never_fail_on_random_data(app, form_world):
    """Every POST form, as a user of the right role, with random fields and values."""
    world = form_world
    posted = set()
    for page, target, actor in FORM_ROUTES:
        client, token = signed_in_client(app, world.user(actor))
        html = client.get(page.format(**world.ids)).get_data()
        names = form_fields(html) or ["q", "country", "occupation", "occupation_q"]
        path = target.format(**world.ids)
        posted.add(target)

        @settings(FUZZ, max_examples=12)
        @given(fields=st.lists(st.tuples(st.one_of(st.sampled_from(names), TEXT), TEXT), max_size=12))
        def check(fields):
            if target == "/orientation":
                query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in fields)
                response = client.get(f"{path}?{query}")
            else:
                data = MultiDict([("csrf_token", token), *[(k, v) for k, v in fields if k != "csrf_token"]])
                response = client.post(path, data=data)
            assert_clean(response, f"{path} {fields!r}"[:500], json_errors=False)
            response.close()
            with client.session_transaction() as session:  # a form may sign out or change the session
                still_signed_in = bool(session.get(SESSION_KEY))
                session["csrf_token"] = token
            if not still_signed_in:
                plant_sign_in(client, world.user(actor), token)

        check()


@pytest.mark.parametrize("days", ["²", "٣٠", "9" * 5000, "-1", "180.0", ""])
def test_consent_form_with_odd_days(app, form_world, days):
    client, token = signed_in_client(app, form_world.user("migrant"))
    path = f"/profiles/{form_world.ids['profile']}/consents"
    response = client.post(path, data={"csrf_token": token, "recipient_kind": "employer", "recipient": "X", "days": days})
    assert response.status_code == 422


@pytest.mark.parametrize(
    "posting",
    [{"jobLocation": {"address": "Berlin"}}, {"jobLocation": [{"address": ["DE"]}]}, {"baseSalary": {"value": 5}},
     {"baseSalary": "2000 EUR"}, {"hiringOrganization": ["X"]}, {"identifier": {"value": None}}, {"skills": 7},
     {"employmentType": [None]}, {"occupationalCategory": {"@id": "x"}}],
)  # fmt: skip
def test_odd_job_postings_are_refused_cleanly(core_runtime, posting):
    from matching import records

    before = table_counts(core_runtime.engine)
    item = {"@type": "JobPosting", "title": "Nurse", "hiringOrganization": {"name": "Klinik"}, **posting}
    with Scratch() as directory:
        (directory / "jobs.jsonld").write_text(json.dumps({"@graph": [item]}), encoding="utf-8")
        try:
            records.import_vacancies(core_runtime, directory / "jobs.jsonld")
        except HeadstartError:
            assert table_counts(core_runtime.engine) == before
