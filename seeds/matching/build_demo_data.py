"""Build the matching demo seed data: vacancies, migrant skill profiles and service offers.

Deterministic (fixed random seed): running it again writes the same three JSON Lines files
next to this script. Every ESCO reference is looked up by its preferred label in
seeds/esco_core.jsonl, so the demo works with the small bundled taxonomy alone.

    python seeds/matching/build_demo_data.py

All employers, providers and people are fictional.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORE = HERE.parent / "esco_core.jsonl"

# ---------------------------------------------------------------------------- taxonomy


def _load_core() -> tuple[dict[str, str], dict[str, str]]:
    occupations: dict[str, str] = {}
    skills: dict[str, str] = {}
    with CORE.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            if row["concept_type"] == "occupation":
                occupations[row["preferred_label"]] = row["uri"]
            elif row["concept_type"] == "skill":
                skills[row["preferred_label"]] = row["uri"]
    return occupations, skills


OCC, SKILL = _load_core()


def occ(label: str) -> str:
    return OCC[label]


def sk(label: str) -> str:
    return SKILL[label]


# ---------------------------------------------------------------------------- occupations
# key: (ESCO label, sector, essential skill pool (most important first), optional pool, ISCED)

OCCUPATIONS: dict[str, tuple] = {
    # care and health
    "nurse": ("nurse responsible for general care", "care",
              ["monitor patient's vital signs", "assist in the administration of medication to elderly",
               "hygiene in a health care setting", "provide basic support to patients", "provide first aid"],
              ["tend to elderly people", "work in teams", "demonstrate intercultural competence", "manage time"], 6),
    "nurse_assistant": ("nurse assistant", "care",
                        ["tend to elderly people", "provide basic support to patients", "maintain personal hygiene standards",
                         "hygiene in a health care setting", "monitor patient's vital signs"],
                        ["provide first aid", "assist in the administration of medication to elderly", "work in teams",
                         "demonstrate intercultural competence"], 3),
    "hca": ("healthcare assistant", "care",
            ["provide basic support to patients", "tend to elderly people", "hygiene in a health care setting",
             "maintain personal hygiene standards"],
            ["monitor patient's vital signs", "provide first aid", "work in teams", "manage time"], 3),
    "home_aide": ("home care aide", "care",
                  ["tend to elderly people", "maintain personal hygiene standards", "conduct cleaning tasks",
                   "provide basic support to patients"],
                  ["use cooking techniques", "provide first aid", "drive vehicles", "demonstrate intercultural competence"], 2),
    "home_care": ("care at home worker", "care",
                  ["tend to elderly people", "provide basic support to patients",
                   "assist in the administration of medication to elderly", "manage time"],
                  ["drive vehicles", "provide first aid", "conduct cleaning tasks"], 3),
    "childcare": ("child care worker", "care",
                  ["attend to children's basic physical needs", "supervise children", "provide first aid"],
                  ["maintain personal hygiene standards", "demonstrate intercultural competence", "work in teams"], 4),
    # construction
    "bricklayer": ("bricklayer", "construction",
                   ["lay bricks", "read standard blueprints", "follow health and safety procedures in construction",
                    "work in a construction team"],
                   ["use measurement instruments", "use safety equipment in construction"], 3),
    "carpenter": ("carpenter", "construction",
                  ["read standard blueprints", "use measurement instruments", "work in a construction team",
                   "follow health and safety procedures in construction"],
                  ["use safety equipment in construction", "work in teams"], 3),
    "plumber": ("plumber", "construction",
                ["plumbing tools", "read standard blueprints", "follow health and safety procedures in construction",
                 "use measurement instruments"],
                ["use welding equipment", "work in a construction team"], 3),
    "electrician": ("electrician", "construction",
                    ["install electrical and electronic equipment", "use electrical wire tools", "read standard blueprints",
                     "follow safety precautions in work practices"],
                    ["use measurement instruments", "work in a construction team",
                     "follow health and safety procedures in construction"], 3),
    "painter": ("construction painter", "construction",
                ["paint surfaces", "use safety equipment in construction", "follow health and safety procedures in construction"],
                ["work in a construction team", "lay tiles"], 2),
    "tiler": ("tile fitter", "construction",
              ["lay tiles", "use measurement instruments", "read standard blueprints"],
              ["work in a construction team", "paint surfaces", "use safety equipment in construction"], 3),
    "scaffolder": ("construction scaffolder", "construction",
                   ["use safety equipment in construction", "follow health and safety procedures in construction",
                    "work in a construction team", "read standard blueprints"],
                   ["load cargo", "use measurement instruments"], 2),
    "builder": ("building construction worker", "construction",
                ["work in a construction team", "follow health and safety procedures in construction",
                 "use safety equipment in construction"],
                ["lay bricks", "use measurement instruments", "load cargo", "paint surfaces"], None),
    "civil_eng": ("civil engineer", "construction",
                  ["civil engineering", "engineering principles", "use CAD software", "read standard blueprints"],
                  ["use spreadsheets software", "manage time", "work in teams"], 6),
    # manufacturing
    "welder": ("welder", "manufacturing",
               ["use welding equipment", "welding techniques", "perform metal inert gas welding", "apply arc welding techniques",
                "read standard blueprints"],
               ["perform tungsten inert gas welding", "follow safety precautions in work practices", "use measurement instruments"], 3),
    "welder_tig": ("welder", "manufacturing",
                   ["perform tungsten inert gas welding", "use welding equipment", "welding techniques", "read standard blueprints"],
                   ["perform metal inert gas welding", "use measurement instruments", "follow safety precautions in work practices"], 3),
    "sewing": ("sewing machine operator", "manufacturing",
               ["sew pieces of fabric", "follow safety precautions in work practices", "manage time"],
               ["work in teams", "use measurement instruments"], 2),
    "mech_eng": ("mechanical engineer", "manufacturing",
                 ["principles of mechanical engineering", "engineering principles", "use CAD software"],
                 ["use spreadsheets software", "work in teams", "read standard blueprints"], 6),
    "butcher": ("butcher", "manufacturing",
                ["comply with food safety and hygiene", "maintain personal hygiene standards",
                 "follow safety precautions in work practices"],
                ["work in teams", "customer service"], 3),
    # hospitality
    "waiter": ("waiter/waitress", "hospitality",
               ["serve food in table service", "serve beverages", "take food and beverage orders from customers", "greet guests"],
               ["customer service", "operate cash register", "comply with food safety and hygiene"], 2),
    "receptionist": ("hospitality establishment receptionist", "hospitality",
                     ["greet guests", "customer service", "use spreadsheets software"],
                     ["demonstrate intercultural competence", "operate cash register", "manage time"], 3),
    "room": ("room attendant", "hospitality",
             ["conduct cleaning tasks", "maintain personal hygiene standards", "manage time"],
             ["operate floor cleaning equipment", "work in teams", "customer service"], None),
    "kp": ("kitchen porter", "hospitality",
           ["wash the dishes", "comply with food safety and hygiene", "maintain personal hygiene standards"],
           ["conduct cleaning tasks", "work in teams"], None),
    "cook": ("cook", "hospitality",
             ["use cooking techniques", "comply with food safety and hygiene", "cook meat dishes"],
             ["bake goods", "work in teams", "manage time"], 3),
    "chef": ("chef", "hospitality",
             ["use cooking techniques", "cook meat dishes", "comply with food safety and hygiene", "manage time"],
             ["bake goods", "work in teams"], 3),
    "baker": ("baker", "hospitality",
              ["bake goods", "comply with food safety and hygiene", "maintain personal hygiene standards"],
              ["use cooking techniques", "manage time", "operate cash register"], 3),
    # agriculture
    "picker": ("fruit and vegetable picker", "agriculture",
               ["harvest crop", "apply health and safety when picking"],
               ["work in teams", "drive agricultural machines", "irrigate soil"], None),
    "crop": ("crop production worker", "agriculture",
             ["harvest crop", "irrigate soil", "drive agricultural machines"],
             ["apply health and safety when picking", "follow safety precautions in work practices", "work in teams"], None),
    "livestock": ("livestock worker", "agriculture",
                  ["feed livestock", "milk animals"],
                  ["drive agricultural machines", "follow safety precautions in work practices"], None),
    "farmer": ("mixed farmer", "agriculture",
               ["feed livestock", "harvest crop", "drive agricultural machines", "irrigate soil"],
               ["milk animals", "manage time"], 3),
    # transport and logistics
    "bus": ("bus driver", "transport",
            ["drive vehicles", "obey traffic rules", "customer service"],
            ["provide first aid", "demonstrate intercultural competence", "manage time"], 2),
    "delivery": ("delivery driver", "transport",
                 ["drive vehicles", "obey traffic rules", "load cargo"],
                 ["manage time", "customer service"], None),
    "taxi": ("taxi driver", "transport",
             ["drive vehicles", "obey traffic rules", "customer service"],
             ["demonstrate intercultural competence"], None),
    "warehouse": ("warehouse worker", "transport",
                  ["stack goods", "load cargo", "warehouse operations"],
                  ["operate forklift", "use spreadsheets software", "work in teams"], None),
    "forklift": ("forklift operator", "transport",
                 ["operate forklift", "stack goods", "warehouse operations"],
                 ["load cargo", "follow safety precautions in work practices"], 2),
    # ICT
    "dev_py": ("software developer", "ict",
               ["computer programming", "Python", "SQL"],
               ["perform ICT troubleshooting", "work in teams", "JavaScript", "manage time"], 6),
    "dev_js": ("software developer", "ict",
               ["computer programming", "JavaScript", "SQL"],
               ["Python", "work in teams", "perform ICT troubleshooting"], 6),
    "helpdesk": ("ICT help desk agent", "ict",
                 ["perform ICT troubleshooting", "customer service"],
                 ["use spreadsheets software", "SQL", "demonstrate intercultural competence"], 4),
    # cleaning
    "cleaner": ("domestic cleaner", "cleaning",
                ["conduct cleaning tasks", "maintain personal hygiene standards"],
                ["operate floor cleaning equipment", "manage time"], None),
    "cleaner_pro": ("domestic cleaner", "cleaning",
                    ["conduct cleaning tasks", "operate floor cleaning equipment", "follow safety precautions in work practices"],
                    ["manage time", "work in teams"], None),
    # education and interpretation
    "teacher": ("primary school teacher", "education",
                ["teach primary education class content", "perform classroom management", "supervise children"],
                ["demonstrate intercultural competence"], 6),
    "lang_teacher": ("language school teacher", "education",
                     ["teach ESOL language class", "perform classroom management"],
                     ["demonstrate intercultural competence", "manage time"], 6),
    "interpreter": ("interpreter", "education",
                    ["interpret spoken language between two parties", "translate foreign language"],
                    ["demonstrate intercultural competence", "manage time"], 5),
    # services
    "security": ("security guard", "services",
                 ["patrol areas", "follow safety precautions in work practices"],
                 ["provide first aid", "customer service"], 2),
    "sales": ("sales assistant", "services",
              ["customer service", "operate cash register"],
              ["stack goods", "work in teams"], 2),
    "hairdresser": ("hairdresser", "services",
                    ["apply hair cutting techniques", "customer service"],
                    ["maintain personal hygiene standards"], 3),
}

SECTOR_NAMES = {
    "care": "care and health", "construction": "construction", "manufacturing": "manufacturing",
    "hospitality": "hospitality and food", "agriculture": "agriculture", "transport": "transport and logistics",
    "ict": "ICT", "cleaning": "cleaning", "education": "education and interpretation", "services": "retail and services",
}

# ---------------------------------------------------------------------------- titles
# Titles as employers write them, per language of the posting; English is the fallback.

TITLES: dict[str, dict[str, list[str]]] = {
    "nurse": {
        "en": ["Registered Nurse (hospital ward)", "Staff Nurse – recognition support included", "General Care Nurse for geriatric clinic"],
        "de": ["Pflegefachkraft (m/w/d)", "Gesundheits- und Krankenpfleger (m/w/d)", "Pflegefachfrau / Pflegefachmann (m/w/d) Innere Medizin",
               "Examinierte Pflegekraft (m/w/d) Langzeitpflege"],
        "it": ["Infermiere/a professionale", "Infermiere per RSA", "Infermiere di reparto – tempo indeterminato"],
        "nl": ["Verpleegkundige ouderenzorg", "Verpleegkundige ziekenhuis (BIG)"],
        "cs": ["Všeobecná sestra"], "hu": ["Ápoló / ápolónő"], "sk": ["Sestra v nemocnici"],
        "fr": ["Infirmier / Infirmière diplômé(e) d'État"], "es": ["Enfermero/a para residencia"], "pt": ["Enfermeiro/a"],
        "pl": ["Pielęgniarka / pielęgniarz"],
    },
    "nurse_assistant": {
        "en": ["Nursing Assistant – elderly care home", "Care Assistant (nursing home)", "Assistant Nurse, night shifts"],
        "de": ["Pflegehelfer (m/w/d)", "Pflegeassistenz (m/w/d) Altenpflege", "Pflegehilfskraft (m/w/d) stationäre Pflege"],
        "it": ["Operatore Socio Sanitario (OSS)", "OSS per struttura residenziale anziani"],
        "nl": ["Verzorgende IG", "Helpende Zorg & Welzijn"],
        "cs": ["Sanitář / sanitářka", "Pracovník v sociálních službách – domov seniorů"], "hu": ["Ápolási asszisztens"],
        "sk": ["Opatrovateľ/ka v zariadení pre seniorov"], "fr": ["Aide-soignant(e) en EHPAD"], "es": ["Auxiliar de enfermería (TCAE)"],
        "pt": ["Auxiliar de ação direta em lar"], "pl": ["Opiekun/ka w domu opieki"],
    },
    "hca": {
        "en": ["Healthcare Assistant", "Patient Care Assistant – hospital", "Resident Care Assistant"],
        "de": ["Betreuungskraft / Alltagsbegleiter (m/w/d)", "Pflegeassistent (m/w/d) im Krankenhaus", "Stationshilfe (m/w/d)"],
        "it": ["Ausiliario socio-assistenziale (ASA)", "Assistente ai pazienti"],
        "nl": ["Zorgassistent", "Medewerker zorg en welzijn"],
        "pt": ["Auxiliar de saúde"], "fr": ["Agent de service hospitalier"], "es": ["Gerocultor/a"], "cs": ["Ošetřovatel/ka"],
    },
    "home_aide": {
        "en": ["Live-in Caregiver for an elderly lady", "Home Care Aide (live-in)", "Personal Care Worker – private household"],
        "de": ["Alltagsbetreuung und Haushaltshilfe für Senioren (m/w/d)", "Haushaltshilfe und Seniorenbetreuung (m/w/d)"],
        "it": ["Badante convivente", "Assistente familiare per anziani"],
        "es": ["Auxiliar de ayuda a domicilio", "Cuidador/a interno/a de persona mayor"],
        "fr": ["Aide à domicile"], "nl": ["Huishoudelijke hulp thuiszorg"], "pt": ["Cuidador/a de idosos ao domicílio"],
    },
    "home_care": {
        "en": ["Home Care Worker", "Domiciliary Care Worker – driving licence preferred"],
        "de": ["Pflegekraft ambulanter Dienst (m/w/d)", "Mitarbeiter häusliche Pflege (m/w/d)", "Heimhelfer/in (m/w/d)"],
        "it": ["Operatore di assistenza domiciliare"], "nl": ["Thuiszorgmedewerker", "Wijkverzorgende"],
        "fr": ["Auxiliaire de vie à domicile"], "cs": ["Pečovatel/ka – terénní služba"],
    },
    "childcare": {
        "en": ["Childcare Worker – day nursery", "Early Years Assistant"],
        "de": ["Kinderpfleger (m/w/d)", "Sozialassistent/in Kita (m/w/d)"],
        "it": ["Educatrice / educatore asilo nido"], "nl": ["Pedagogisch medewerker kinderopvang"],
        "fr": ["Auxiliaire de puériculture"],
    },
    "bricklayer": {
        "en": ["Bricklayer", "Experienced Bricklayer – residential projects", "Mason / Bricklayer"],
        "de": ["Maurer (m/w/d)", "Maurer / Betonbauer (m/w/d) Hochbau", "Facharbeiter Maurer (m/w/d)"],
        "it": ["Muratore qualificato", "Muratore esperto per cantieri edili"], "nl": ["Metselaar", "Allround metselaar"],
        "cs": ["Zedník"], "hu": ["Kőműves"], "sk": ["Murár"], "pl": ["Murarz"], "pt": ["Pedreiro"], "fr": ["Maçon (H/F)"],
        "es": ["Albañil oficial de primera"],
    },
    "carpenter": {
        "en": ["Carpenter / Joiner", "Formwork Carpenter", "Site Carpenter"],
        "de": ["Zimmerer (m/w/d)", "Tischler / Schreiner (m/w/d)", "Bautischler (m/w/d)"],
        "it": ["Carpentiere edile", "Falegname"], "nl": ["Timmerman", "Allround timmerman"], "cs": ["Tesař"],
        "pt": ["Carpinteiro de cofragem"], "fr": ["Charpentier bois (H/F)"], "pl": ["Cieśla szalunkowy"],
    },
    "plumber": {
        "en": ["Plumber", "Plumbing and Heating Installer"],
        "de": ["Anlagenmechaniker SHK (m/w/d)", "Installateur Sanitär und Heizung (m/w/d)"],
        "it": ["Idraulico", "Idraulico termoidraulico"], "nl": ["Loodgieter", "Installatiemonteur W"], "cs": ["Instalatér"],
        "fr": ["Plombier chauffagiste (H/F)"], "pl": ["Hydraulik"],
    },
    "electrician": {
        "en": ["Electrician", "Installation Electrician", "Maintenance Electrician – industrial site"],
        "de": ["Elektriker (m/w/d)", "Elektroniker für Energie- und Gebäudetechnik (m/w/d)", "Elektroinstallateur (m/w/d)"],
        "it": ["Elettricista industriale", "Elettricista civile"], "nl": ["Elektromonteur", "Eerste monteur elektrotechniek"],
        "cs": ["Elektrikář"], "hu": ["Villanyszerelő"], "sk": ["Elektrikár"], "pt": ["Eletricista"], "fr": ["Électricien bâtiment (H/F)"],
        "es": ["Electricista oficial"], "pl": ["Elektryk"],
    },
    "painter": {
        "en": ["Painter and Decorator", "Construction Painter"],
        "de": ["Maler und Lackierer (m/w/d)", "Maler/in und Anstreicher/in"], "it": ["Imbianchino / pittore edile"],
        "nl": ["Schilder"], "pt": ["Pintor de construção civil"], "fr": ["Peintre en bâtiment (H/F)"],
    },
    "tiler": {
        "en": ["Tiler", "Floor and Wall Tiler"],
        "de": ["Fliesenleger (m/w/d)"], "it": ["Piastrellista"], "nl": ["Tegelzetter"], "pt": ["Ladrilhador"],
        "es": ["Alicatador/solador"], "pl": ["Glazurnik"],
    },
    "scaffolder": {
        "en": ["Scaffolder", "Scaffolding Erector"],
        "de": ["Gerüstbauer (m/w/d)", "Gerüstbauhelfer (m/w/d)"], "it": ["Ponteggiatore"], "nl": ["Steigerbouwer"],
    },
    "builder": {
        "en": ["Construction Worker", "General Construction Labourer", "Site Operative"],
        "de": ["Bauhelfer (m/w/d)", "Helfer Hochbau (m/w/d)"], "it": ["Manovale edile", "Operaio edile"],
        "nl": ["Bouwplaatsmedewerker", "Bouwhulp"], "cs": ["Pomocný dělník na stavbu"], "hu": ["Építőipari segédmunkás"],
        "sk": ["Pomocný robotník na stavbe"], "pl": ["Pomocnik budowlany"], "pt": ["Servente de obra"],
        "fr": ["Manœuvre bâtiment (H/F)"], "es": ["Peón de construcción"],
    },
    "civil_eng": {
        "en": ["Civil Engineer – infrastructure projects", "Site Engineer (Civil)"],
        "de": ["Bauingenieur (m/w/d) Tiefbau", "Bauingenieurin / Bauingenieur Bauleitung"],
        "it": ["Ingegnere civile – direzione lavori"], "nl": ["Civiel ingenieur"], "cs": ["Stavební inženýr"],
        "pt": ["Engenheiro/a civil"],
    },
    "welder": {
        "en": ["MIG/MAG Welder", "Welder – steel structures", "Experienced Welder (MAG)"],
        "de": ["Schweißer MAG (m/w/d)", "Schweißer (m/w/d) im Stahlbau"], "it": ["Saldatore a filo MIG/MAG", "Saldocarpentiere"],
        "nl": ["Constructiebankwerker-lasser", "Lasser MIG/MAG"], "cs": ["Svářeč CO2"], "hu": ["Hegesztő (CO2)"], "sk": ["Zvárač CO2"],
        "pl": ["Spawacz MIG/MAG"], "pt": ["Soldador MIG/MAG"], "es": ["Soldador/a semiautomático"],
    },
    "welder_tig": {
        "en": ["TIG Welder – stainless steel", "TIG Welder (pipes)"],
        "de": ["WIG-Schweißer (m/w/d) Edelstahl"], "it": ["Saldatore TIG"], "nl": ["Lasser TIG (RVS)"], "cs": ["Svářeč TIG"],
        "hu": ["AWI hegesztő"], "sk": ["Zvárač TIG"], "pl": ["Spawacz TIG"], "fr": ["Soudeur TIG (H/F)"],
    },
    "sewing": {
        "en": ["Sewing Machine Operator", "Machinist – garment production"],
        "it": ["Cucitrice a macchina", "Addetta confezione"], "cs": ["Šička"], "hu": ["Varrónő"], "sk": ["Šička"],
        "pl": ["Szwaczka"], "pt": ["Costureira"], "de": ["Näher/in (m/w/d)"],
    },
    "mech_eng": {
        "en": ["Mechanical Design Engineer", "Mechanical Engineer – production equipment"],
        "de": ["Maschinenbauingenieur (m/w/d) Konstruktion"], "cs": ["Konstruktér strojírenství"], "hu": ["Gépészmérnök"],
        "sk": ["Strojný konštruktér"], "it": ["Ingegnere meccanico progettista"], "nl": ["Werktuigbouwkundig ingenieur"],
    },
    "butcher": {
        "en": ["Butcher – meat processing plant", "Meat Cutter"],
        "de": ["Fleischer / Metzger (m/w/d)"], "cs": ["Řezník"], "hu": ["Hentes"], "sk": ["Mäsiar"], "fr": ["Boucher (H/F)"],
        "es": ["Carnicero/a"], "it": ["Macellaio"],
    },
    "waiter": {
        "en": ["Waiter / Waitress", "Restaurant Server – summer season", "Waiting Staff for hotel restaurant"],
        "de": ["Servicekraft (m/w/d)", "Kellner/in (m/w/d) Wintersaison", "Restaurantfachmann/-frau (m/w/d)"],
        "it": ["Cameriere/a di sala", "Cameriere stagionale"], "nl": ["Medewerker bediening"], "pt": ["Empregado/a de mesa"],
        "fr": ["Serveur / Serveuse"], "es": ["Camarero/a de sala"],
    },
    "receptionist": {
        "en": ["Hotel Receptionist", "Front Desk Agent"],
        "de": ["Rezeptionist/in (m/w/d)", "Front Office Mitarbeiter (m/w/d)"], "it": ["Receptionist d'albergo", "Addetto/a al ricevimento"],
        "nl": ["Receptionist hotel"], "pt": ["Rececionista de hotel"], "es": ["Recepcionista de hotel"], "fr": ["Réceptionniste (H/F)"],
    },
    "room": {
        "en": ["Room Attendant", "Housekeeping Staff – hotel"],
        "de": ["Zimmermädchen / Roomboy (m/w/d)", "Housekeeping Mitarbeiter (m/w/d)"], "it": ["Cameriera ai piani", "Addetto/a housekeeping"],
        "nl": ["Housekeeping medewerker"], "cs": ["Pokojská"], "hu": ["Szobaasszony / szobafiú"], "sk": ["Chyžná"],
        "pt": ["Empregada de andares"], "es": ["Camarera de pisos"], "fr": ["Femme / valet de chambre"],
    },
    "kp": {
        "en": ["Kitchen Porter", "Kitchen Helper / Dishwasher"],
        "de": ["Küchenhilfe / Abwäscher (m/w/d)"], "it": ["Lavapiatti", "Addetto/a cucina e lavaggio"], "nl": ["Afwasser / keukenhulp"],
        "pt": ["Copeiro/a"], "fr": ["Plongeur / Plongeuse"], "es": ["Friegaplatos / ayudante de cocina"],
    },
    "cook": {
        "en": ["Cook", "Line Cook", "Cook for hotel kitchen"],
        "de": ["Koch / Köchin (m/w/d)", "Jungkoch (m/w/d)", "Beikoch (m/w/d)"], "it": ["Cuoco/a", "Aiuto cuoco", "Cuoco capo partita"],
        "nl": ["Zelfstandig werkend kok"], "cs": ["Kuchař / kuchařka"], "hu": ["Szakács"], "sk": ["Kuchár / kuchárka"],
        "pt": ["Cozinheiro/a"], "fr": ["Cuisinier / Cuisinière"], "es": ["Cocinero/a"], "pl": ["Kucharz"],
    },
    "chef": {
        "en": ["Sous Chef", "Chef de Partie"],
        "de": ["Sous-Chef (m/w/d)", "Chef de Partie (m/w/d)"], "it": ["Chef di cucina", "Sous chef per hotel"],
        "fr": ["Chef de partie (H/F)"], "es": ["Jefe/a de partida"],
    },
    "baker": {
        "en": ["Baker", "Bakery Production Worker"],
        "de": ["Bäcker (m/w/d)", "Bäckereifachkraft Backstube (m/w/d)"], "it": ["Panettiere", "Fornaio"], "fr": ["Boulanger (H/F)"],
        "nl": ["Bakker"], "pt": ["Padeiro/a"],
    },
    "picker": {
        "en": ["Seasonal Fruit Picker", "Harvest Worker – strawberries", "Seasonal Farm Worker (picking)"],
        "de": ["Erntehelfer (m/w/d) Spargel und Erdbeeren", "Saisonarbeitskraft Obsternte (m/w/d)", "Erntehelfer/in (m/w/d) Saison 2027"],
        "it": ["Raccoglitore di frutta – stagione 2027", "Operaio agricolo stagionale per la raccolta", "Addetto/a alla raccolta ortofrutticola"],
        "nl": ["Oogstmedewerker aardbeien", "Seizoenswerker fruitteelt", "Oogstmedewerker asperges"],
        "cs": ["Sezónní pracovník – sběr ovoce"], "hu": ["Idénymunkás gyümölcsszedésre"], "sk": ["Sezónny pracovník – zber ovocia"],
        "pl": ["Pracownik sezonowy – zbiór owoców"], "pt": ["Apanhador/a de fruta (campanha)", "Trabalhador/a sazonal – frutos vermelhos"],
        "fr": ["Saisonnier agricole (récoltes)", "Cueilleur / cueilleuse de fruits"],
        "es": ["Temporero/a campaña de fresa", "Recolector/a de cítricos"],
    },
    "crop": {
        "en": ["Greenhouse Worker", "Farm Worker – vegetable production"],
        "de": ["Mitarbeiter Gemüsebau (m/w/d)", "Gärtnereihelfer/in (m/w/d)"], "it": ["Operaio agricolo", "Addetto serre"],
        "nl": ["Medewerker glastuinbouw", "Kasmedewerker tomaten"], "hu": ["Mezőgazdasági dolgozó"], "pt": ["Trabalhador/a agrícola em estufa"],
        "es": ["Peón agrícola en invernadero"],
    },
    "livestock": {
        "en": ["Dairy Farm Worker", "Livestock Worker"],
        "de": ["Mitarbeiter Milchviehbetrieb (m/w/d)", "Stallmitarbeiter (m/w/d)"], "it": ["Mungitore / addetto stalla"],
        "nl": ["Medewerker melkveehouderij"], "cs": ["Ošetřovatel hospodářských zvířat"], "hu": ["Állattenyésztő dolgozó"],
        "es": ["Operario/a de granja porcina"], "pt": ["Tratador/a de animais"],
    },
    "farmer": {
        "en": ["Farm Hand – mixed farm", "Agricultural Worker (crops and animals)"],
        "de": ["Landwirtschaftlicher Mitarbeiter (m/w/d) Gemischtbetrieb"], "it": ["Operaio agricolo polivalente"],
    },
    "bus": {
        "en": ["Bus Driver (category D)", "City Bus Driver"],
        "de": ["Busfahrer (m/w/d) im Linienverkehr", "Berufskraftfahrer Personenverkehr (m/w/d)"],
        "it": ["Autista di autobus", "Autista linea extraurbana"], "nl": ["Buschauffeur", "Touringcarchauffeur"],
        "cs": ["Řidič autobusu"], "hu": ["Autóbuszvezető"], "sk": ["Vodič autobusu"], "pl": ["Kierowca autobusu"],
        "fr": ["Conducteur de bus (H/F)"],
    },
    "delivery": {
        "en": ["Delivery Driver (licence B)", "Parcel Courier"],
        "de": ["Auslieferungsfahrer (m/w/d) Klasse B", "Kurierfahrer (m/w/d)"], "it": ["Autista consegne patente B", "Corriere"],
        "nl": ["Pakketbezorger", "Bezorger rijbewijs B"], "cs": ["Řidič rozvozu"], "hu": ["Kézbesítő sofőr"], "sk": ["Vodič dodávky"],
        "pl": ["Kierowca kat. B – dostawy"], "pt": ["Motorista de distribuição"], "es": ["Repartidor/a con carnet B"],
    },
    "taxi": {
        "en": ["Taxi Driver", "Private Hire Driver"], "de": ["Taxifahrer (m/w/d)"], "nl": ["Taxichauffeur"],
    },
    "warehouse": {
        "en": ["Warehouse Operative", "Order Picker", "Warehouse Worker – shifts"],
        "de": ["Lagermitarbeiter (m/w/d)", "Kommissionierer (m/w/d)", "Lagerhelfer (m/w/d) Schichtbetrieb"],
        "it": ["Magazziniere", "Addetto/a picking"], "nl": ["Orderpicker", "Magazijnmedewerker"], "cs": ["Skladník", "Skladový pracovník"],
        "hu": ["Raktári dolgozó", "Komissiózó"], "sk": ["Skladník"], "pl": ["Magazynier", "Pracownik magazynu – kompletacja"],
        "pt": ["Operador/a de armazém"], "fr": ["Préparateur / Préparatrice de commandes"], "es": ["Mozo/a de almacén"],
    },
    "forklift": {
        "en": ["Forklift Driver", "Reach Truck Operator"],
        "de": ["Staplerfahrer (m/w/d)", "Gabelstaplerfahrer (m/w/d) Logistikzentrum"], "it": ["Carrellista", "Mulettista"],
        "nl": ["Heftruckchauffeur", "Reachtruckchauffeur"], "cs": ["Řidič VZV"], "hu": ["Targoncavezető"], "sk": ["Vodič VZV"],
        "pl": ["Operator wózka widłowego"], "fr": ["Cariste (H/F)"], "es": ["Carretillero/a"],
    },
    "dev_py": {
        "en": ["Python Developer", "Backend Engineer (Python/SQL)", "Software Developer – data platform"],
        "de": ["Softwareentwickler (m/w/d) Python", "Backend-Entwickler Python / SQL (m/w/d)"], "nl": ["Medior Python developer"],
        "cs": ["Programátor Python"], "hu": ["Python szoftverfejlesztő"], "pt": ["Programador/a Python"], "pl": ["Programista Python"],
        "es": ["Desarrollador/a Python"], "fr": ["Développeur Python (H/F)"], "it": ["Sviluppatore Python"], "sk": ["Programátor Python"],
    },
    "dev_js": {
        "en": ["Full-Stack Developer (JavaScript)", "Frontend Developer", "Web Developer – JavaScript"],
        "de": ["Full-Stack Developer (m/w/d)", "Webentwickler JavaScript (m/w/d)"], "it": ["Sviluppatore web JavaScript"],
        "nl": ["Frontend developer"], "pt": ["Programador/a web"], "cs": ["Webový vývojář JavaScript"],
    },
    "helpdesk": {
        "en": ["IT Service Desk Agent", "1st Level IT Support", "Helpdesk Analyst (multilingual)"],
        "de": ["IT-Support Mitarbeiter (m/w/d) 1st Level", "Service Desk Agent (m/w/d)"], "nl": ["Servicedesk medewerker"],
        "cs": ["IT podpora – helpdesk"], "hu": ["IT helpdesk munkatárs"], "pt": ["Técnico/a de helpdesk"], "pl": ["Specjalista IT helpdesk"],
        "sk": ["IT podpora – helpdesk"],
    },
    "cleaner": {
        "en": ["Domestic Cleaner", "Household Helper"],
        "de": ["Haushaltshilfe (m/w/d)"], "it": ["Collaboratrice domestica"], "nl": ["Huishoudelijk medewerker"],
        "es": ["Empleada/o de hogar"], "fr": ["Employé(e) de maison"], "pt": ["Empregada doméstica"],
    },
    "cleaner_pro": {
        "en": ["Cleaning Operative – offices", "Cleaner (commercial buildings)"],
        "de": ["Reinigungskraft (m/w/d)", "Unterhaltsreinigung Mitarbeiter (m/w/d)"], "it": ["Addetta/o alle pulizie"],
        "nl": ["Schoonmaakmedewerker"], "cs": ["Uklízeč / uklízečka"], "hu": ["Takarító"], "sk": ["Upratovačka"],
        "pl": ["Sprzątaczka / pracownik porządkowy"], "pt": ["Empregada de limpeza"], "fr": ["Agent d'entretien (H/F)"],
        "es": ["Limpiador/a"],
    },
    "teacher": {
        "en": ["Primary School Teacher", "Class Teacher (primary)"],
        "de": ["Lehrkraft Grundschule (m/w/d)"], "nl": ["Leerkracht basisonderwijs"], "it": ["Insegnante scuola primaria"],
    },
    "lang_teacher": {
        "en": ["English Language Teacher", "ESOL Teacher for adults"],
        "de": ["Englischlehrer/in Sprachschule (m/w/d)"], "it": ["Insegnante di inglese"], "cs": ["Lektor/ka angličtiny"],
        "hu": ["Angol nyelvtanár"], "pl": ["Lektor języka angielskiego"], "es": ["Profesor/a de inglés"],
    },
    "interpreter": {
        "en": ["Community Interpreter", "Medical Interpreter"],
        "de": ["Sprachmittler/in (m/w/d) Gesundheitswesen", "Dolmetscher/in (m/w/d)"], "it": ["Mediatore linguistico-culturale", "Interprete"],
        "nl": ["Tolk"], "fr": ["Interprète (H/F)"],
    },
    "security": {
        "en": ["Security Guard"], "de": ["Sicherheitsmitarbeiter (m/w/d) Objektschutz"], "nl": ["Beveiliger"], "cs": ["Strážný / strážná"],
    },
    "sales": {
        "en": ["Sales Assistant"], "de": ["Verkäufer (m/w/d) Lebensmitteleinzelhandel"], "nl": ["Winkelmedewerker"],
        "cs": ["Prodavač / prodavačka"],
    },
    "hairdresser": {"en": ["Hairdresser"], "de": ["Friseur (m/w/d)"], "it": ["Parrucchiere/a"], "nl": ["Kapper"]},
}

# ---------------------------------------------------------------------------- countries

LANG_NAME = {"de": "German", "it": "Italian", "nl": "Dutch", "cs": "Czech", "hu": "Hungarian", "pt": "Portuguese",
             "sk": "Slovak", "pl": "Polish", "fr": "French", "es": "Spanish", "en": "English", "ar": "Arabic",
             "ru": "Russian", "uk": "Ukrainian"}

# cities: (name, language of the posting); agri and tourist places separately
COUNTRIES: dict[str, dict] = {
    "DE": {"lang": "de", "cur": "EUR", "cities": ["Berlin", "Hamburg", "München", "Köln", "Stuttgart", "Leipzig", "Nürnberg",
                                                   "Hannover", "Dresden", "Bremen", "Freiburg im Breisgau", "Bielefeld"],
           "agri": ["Beelitz", "Schrobenhausen", "Jork", "Vechta", "Meckenheim"], "tourism": ["Garmisch-Partenkirchen", "Binz", "Oberstdorf"]},
    "AT": {"lang": "de", "cur": "EUR", "cities": ["Wien", "Graz", "Linz", "Salzburg", "Innsbruck", "Klagenfurt"],
           "agri": ["Gänserndorf", "Eferding", "Leibnitz"], "tourism": ["Zell am See", "Sölden", "Bad Gastein", "St. Anton am Arlberg"]},
    "IT": {"lang": "it", "cur": "EUR", "cities": ["Milano", "Torino", "Bologna", "Verona", "Padova", "Trento", "Bolzano", "Bari"],
           "agri": ["Latina", "Foggia", "Ragusa", "Saluzzo", "Cles"], "tourism": ["Rimini", "Riva del Garda", "Sorrento", "Jesolo"]},
    "NL": {"lang": "nl", "cur": "EUR", "cities": ["Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Venlo", "Tilburg", "Groningen", "Breda"],
           "agri": ["Naaldwijk", "Horst aan de Maas", "Zundert", "Westland"], "tourism": ["Amsterdam", "Zandvoort", "Maastricht"]},
    "CZ": {"lang": "cs", "cur": "CZK", "cities": ["Praha", "Brno", "Plzeň", "Ostrava", "Mladá Boleslav", "Pardubice", "Liberec"],
           "agri": ["Znojmo", "Litoměřice"], "tourism": ["Praha", "Karlovy Vary", "Český Krumlov"]},
    "HU": {"lang": "hu", "cur": "HUF", "cities": ["Budapest", "Győr", "Debrecen", "Kecskemét", "Székesfehérvár", "Miskolc"],
           "agri": ["Szentes", "Kecskemét"], "tourism": ["Budapest", "Hévíz", "Siófok"]},
    "PT": {"lang": "pt", "cur": "EUR", "cities": ["Lisboa", "Porto", "Braga", "Coimbra", "Aveiro"],
           "agri": ["Odemira", "Fundão", "Alcobaça"], "tourism": ["Albufeira", "Faro", "Funchal", "Lisboa"]},
    "SK": {"lang": "sk", "cur": "EUR", "cities": ["Bratislava", "Trnava", "Nitra", "Žilina", "Košice", "Trenčín"],
           "agri": ["Dunajská Streda", "Galanta"], "tourism": ["Starý Smokovec", "Bratislava"]},
    "BE": {"lang": "nl", "cur": "EUR", "cities": ["Antwerpen", "Gent", "Leuven", "Brussel"], "agri": ["Sint-Truiden"],
           "tourism": ["Brugge"], "fr_cities": ["Liège", "Bruxelles", "Namur", "Charleroi"]},
    "FR": {"lang": "fr", "cur": "EUR", "cities": ["Lyon", "Bordeaux", "Toulouse", "Nantes", "Strasbourg"],
           "agri": ["Épernay", "Avignon", "Agen"], "tourism": ["Chamonix-Mont-Blanc", "Nice"]},
    "ES": {"lang": "es", "cur": "EUR", "cities": ["Madrid", "Barcelona", "Valencia", "Zaragoza", "Málaga"],
           "agri": ["Huelva", "Lleida", "Almería"], "tourism": ["Palma", "Benidorm", "Málaga"]},
    "PL": {"lang": "pl", "cur": "PLN", "cities": ["Warszawa", "Poznań", "Wrocław", "Łódź", "Gdańsk"],
           "agri": ["Grójec", "Sandomierz"], "tourism": ["Zakopane", "Gdańsk"]},
}

# What each country's demo set contains (occupation key, how many).
PLAN: dict[str, list[tuple[str, int]]] = {
    "DE": [("nurse", 4), ("nurse_assistant", 3), ("hca", 2), ("home_care", 2), ("childcare", 1), ("bricklayer", 2),
           ("carpenter", 1), ("electrician", 2), ("plumber", 2), ("scaffolder", 1), ("tiler", 1), ("builder", 1),
           ("civil_eng", 1), ("welder", 1), ("welder_tig", 1), ("mech_eng", 1), ("picker", 3), ("crop", 1), ("livestock", 1),
           ("cook", 2), ("waiter", 1), ("room", 1), ("baker", 1), ("bus", 2), ("delivery", 1), ("warehouse", 1),
           ("forklift", 1), ("dev_py", 1), ("dev_js", 1), ("helpdesk", 1), ("cleaner_pro", 1), ("interpreter", 1),
           ("teacher", 1), ("security", 1), ("butcher", 1)],
    "AT": [("nurse", 2), ("nurse_assistant", 2), ("home_care", 3), ("bricklayer", 1), ("electrician", 1),
           ("carpenter", 1), ("painter", 1), ("picker", 2), ("crop", 1), ("cook", 2), ("chef", 1), ("waiter", 2),
           ("receptionist", 1), ("room", 1), ("kp", 1), ("bus", 1), ("dev_py", 1), ("welder", 1), ("hairdresser", 1),
           ("cleaner_pro", 1), ("interpreter", 1)],
    "IT": [("nurse", 2), ("nurse_assistant", 2), ("home_aide", 2), ("hca", 1), ("bricklayer", 2), ("builder", 2),
           ("carpenter", 1), ("electrician", 1), ("plumber", 1), ("welder", 1), ("welder_tig", 1), ("picker", 4),
           ("crop", 2), ("livestock", 1), ("farmer", 1), ("cook", 2), ("waiter", 2), ("room", 1), ("kp", 1), ("chef", 1),
           ("sewing", 1), ("delivery", 1), ("warehouse", 1), ("dev_js", 1), ("interpreter", 1), ("cleaner", 1)],
    "NL": [("nurse", 2), ("nurse_assistant", 1), ("home_care", 1), ("childcare", 1), ("carpenter", 1), ("electrician", 1),
           ("builder", 1), ("welder", 1), ("welder_tig", 1), ("picker", 2), ("crop", 2), ("livestock", 1), ("cook", 1),
           ("room", 1), ("kp", 1), ("bus", 1), ("delivery", 1), ("warehouse", 2), ("forklift", 1), ("dev_py", 2),
           ("helpdesk", 1), ("cleaner_pro", 1), ("taxi", 1), ("mech_eng", 1), ("interpreter", 1)],
    "CZ": [("nurse_assistant", 1), ("nurse", 1), ("bricklayer", 1), ("builder", 1), ("electrician", 1), ("welder", 2),
           ("welder_tig", 1), ("sewing", 1), ("butcher", 1), ("warehouse", 2), ("forklift", 1), ("bus", 1),
           ("cook", 1), ("room", 1), ("dev_py", 1), ("helpdesk", 1), ("mech_eng", 1), ("picker", 1), ("cleaner_pro", 1), ("lang_teacher", 1)],
    "HU": [("nurse_assistant", 1), ("welder", 2), ("welder_tig", 1), ("warehouse", 2), ("forklift", 1), ("builder", 1),
           ("bricklayer", 1), ("sewing", 1), ("cook", 1), ("room", 1), ("bus", 1), ("dev_py", 1), ("helpdesk", 1),
           ("picker", 1), ("livestock", 1), ("lang_teacher", 1), ("cleaner_pro", 1)],
    "PT": [("picker", 3), ("crop", 2), ("waiter", 2), ("cook", 1), ("room", 2), ("kp", 1), ("receptionist", 1),
           ("builder", 1), ("carpenter", 1), ("electrician", 1), ("dev_py", 1), ("helpdesk", 1), ("nurse_assistant", 1),
           ("cleaner_pro", 1)],
    "SK": [("welder", 2), ("welder_tig", 1), ("warehouse", 1), ("forklift", 1), ("sewing", 1), ("builder", 1),
           ("bricklayer", 1), ("bus", 1), ("nurse_assistant", 1), ("cook", 1), ("mech_eng", 1), ("butcher", 1), ("dev_py", 1)],
    "BE": [("nurse", 1), ("nurse_assistant", 1), ("picker", 1), ("warehouse", 1), ("electrician", 1), ("cook", 1), ("cleaner_pro", 1)],
    "FR": [("nurse_assistant", 1), ("home_care", 1), ("picker", 2), ("cook", 1), ("kp", 1), ("bricklayer", 1), ("butcher", 1), ("cleaner_pro", 1), ("interpreter", 1)],
    "ES": [("picker", 2), ("crop", 1), ("livestock", 1), ("waiter", 1), ("room", 1), ("home_aide", 1), ("builder", 1),
           ("lang_teacher", 1), ("cleaner_pro", 1), ("cleaner", 1)],
    "PL": [("warehouse", 2), ("forklift", 1), ("welder", 1), ("builder", 1), ("delivery", 1), ("picker", 1), ("sewing", 1),
           ("lang_teacher", 1)],
}

# ---------------------------------------------------------------------------- employers

FIRMS = {
    "de": {"legal": ["GmbH", "GmbH & Co. KG", "GmbH"],
           "names": ["Sonnenhof", "Lindenhof", "Rheinblick", "Auental", "Birkenweg", "Eichenhain", "Talblick", "Brenner",
                     "Kessler", "Hartwig", "Lindner", "Vogt", "Albrecht", "Reuter", "Steinbach", "Moosbach", "Hollerbach", "Wiesental"],
           "nouns": {"care": ["Pflegedienst", "Seniorenresidenz", "Pflegezentrum", "Klinik", "Sozialstation"],
                     "construction": ["Bau", "Bauunternehmung", "Hochbau"],
                     "manufacturing": ["Metallbau", "Stahlbau", "Industrietechnik"],
                     "hospitality": ["Hotel", "Gasthof", "Landhotel", "Restaurant"],
                     "agriculture": ["Landwirtschaft", "Agrarbetrieb", "Hofgut"],
                     "transport": ["Logistik", "Spedition", "Distribution"],
                     "ict": ["Software", "Digital", "IT-Services"], "cleaning": ["Gebäudereinigung", "Reinigungsdienst"],
                     "education": ["Sprachdienste", "Bildungswerk", "Grundschule"], "services": ["Sicherheitsdienst", "Markt", "Salon"]},
           "noun_first": True},
    "it": {"legal": ["Srl", "S.p.A.", "Soc. Coop.", "Srl"],
           "names": ["Adige", "Dolomiti", "Val di Sole", "del Garda", "Rossi", "Bianchi & Figli", "Ferraris", "Colombo",
                     "Il Girasole", "La Quercia", "San Martino", "Belvedere", "Sant'Anna", "Monviso", "Tre Valli"],
           "nouns": {"care": ["Cooperativa Sociale", "Residenza per anziani", "Casa di cura", "Servizi Assistenziali"],
                     "construction": ["Costruzioni", "Edilizia", "Costruzioni Edili"],
                     "manufacturing": ["Carpenteria Metallica", "Officine Meccaniche", "Industrie"],
                     "hospitality": ["Hotel", "Ristorante", "Albergo"],
                     "agriculture": ["Azienda Agricola", "Società Agricola"],
                     "transport": ["Trasporti", "Logistica", "Spedizioni"], "ict": ["Software", "Digitale"],
                     "cleaning": ["Servizi di Pulizia", "Famiglia"], "education": ["Mediazione Culturale", "Centro Linguistico"],
                     "services": ["Servizi"]},
           "noun_first": True},
    "nl": {"legal": ["B.V.", "B.V.", "BV"],
           "names": ["Van Dijk", "De Hoeve", "Bakker", "Van der Meer", "De Linde", "Jansen", "Visser", "Het Zonnehuis",
                     "De Vlinder", "Smits", "Hendriks", "De Waal", "Peeters", "Maes"],
           "nouns": {"care": ["Zorggroep", "Thuiszorg", "Woonzorgcentrum", "Kinderopvang"],
                     "construction": ["Bouw", "Bouwbedrijf", "Bouwgroep"],
                     "manufacturing": ["Metaal", "Constructie", "Metaalbewerking"],
                     "hospitality": ["Hotel", "Brasserie", "Grand Café"],
                     "agriculture": ["Agro", "Teeltbedrijf", "Landbouwbedrijf"],
                     "transport": ["Logistiek", "Transport", "Distributie", "Vervoer"], "ict": ["Software", "IT Solutions"],
                     "cleaning": ["Schoonmaak", "Facilitaire Diensten"], "education": ["Tolkendienst", "Basisschool"],
                     "services": ["Beveiliging", "Kappers"]},
           "noun_first": False},
    "cs": {"legal": ["s.r.o.", "a.s.", "s.r.o."],
           "names": ["Novák", "Dvořák", "Horák", "Vltava", "Morava", "Šumava", "Beskydy", "Kovář", "Jizera", "Podluží"],
           "nouns": {"care": ["Domov seniorů", "Nemocnice", "Sociální služby"], "construction": ["Stavby", "Stavitelství"],
                     "manufacturing": ["Strojírny", "Kovovýroba"], "hospitality": ["Hotel", "Restaurace"],
                     "agriculture": ["Ovocnářství", "Zemědělské družstvo"], "transport": ["Logistika", "Doprava", "Sklady"],
                     "ict": ["Software", "IT Služby"], "cleaning": ["Úklidové služby"], "education": ["Jazyková škola"],
                     "services": ["Ochrana"]},
           "noun_first": True},
    "sk": {"legal": ["s.r.o.", "a.s."],
           "names": ["Tatra", "Váh", "Hron", "Kováč", "Horváth", "Poprad", "Javor", "Dunaj", "Fatra"],
           "nouns": {"care": ["Zariadenie pre seniorov", "Sociálne služby"], "construction": ["Stavby", "Stavebná firma"],
                     "manufacturing": ["Strojárne", "Kovovýroba"], "hospitality": ["Hotel", "Reštaurácia"],
                     "agriculture": ["Ovocinárstvo", "Poľnohospodárske družstvo"], "transport": ["Logistika", "Doprava"],
                     "ict": ["Softvér"], "cleaning": ["Upratovacie služby"], "education": ["Jazyková škola"], "services": ["Služby"]},
           "noun_first": True},
    "hu": {"legal": ["Kft.", "Zrt.", "Kft."],
           "names": ["Tisza", "Duna", "Mátra", "Balaton", "Kovács", "Szabó", "Alföld", "Bakony", "Rába"],
           "nouns": {"care": ["Idősotthon", "Gondozási Központ"], "construction": ["Építő", "Építőipari"],
                     "manufacturing": ["Fémszerkezet", "Gépgyártó", "Ipari"], "hospitality": ["Hotel", "Étterem"],
                     "agriculture": ["Gyümölcsös", "Agrár"], "transport": ["Logisztika", "Közlekedési"], "ict": ["Szoftver", "IT"],
                     "cleaning": ["Takarító"], "education": ["Nyelviskola"], "services": ["Szolgáltató"]},
           "noun_first": False},
    "pt": {"legal": ["Lda.", "S.A.", "Lda."],
           "names": ["Tejo", "Douro", "Mondego", "Costa Azul", "Ferreira", "Almeida", "Sol Nascente", "Vale Verde", "Atlântico"],
           "nouns": {"care": ["Lar", "Residência Sénior", "Clínica"], "construction": ["Construções", "Obras"],
                     "manufacturing": ["Metalomecânica", "Indústrias"], "hospitality": ["Hotel", "Restaurante", "Resort"],
                     "agriculture": ["Agrícola", "Quinta"], "transport": ["Logística", "Transportes"],
                     "ict": ["Software", "Tecnologias"], "cleaning": ["Limpezas"], "education": ["Escola de Línguas"],
                     "services": ["Serviços"]},
           "noun_first": True},
    "pl": {"legal": ["Sp. z o.o."],
           "names": ["Wisła", "Mazowsze", "Kowalski", "Nowak", "Bałtyk", "Tatry", "Warta", "Odra"],
           "nouns": {"construction": ["Budownictwo", "Bud"], "manufacturing": ["Metal", "Zakłady Produkcyjne"],
                     "hospitality": ["Hotel"], "agriculture": ["Gospodarstwo Sadownicze", "Sady"],
                     "transport": ["Logistyka", "Trans", "Kurier"], "ict": ["Software"], "education": ["Szkoła Językowa"],
                     "care": ["Dom Opieki"], "cleaning": ["Serwis Sprzątający"], "services": ["Usługi"]},
           "noun_first": True},
    "fr": {"legal": ["SARL", "SAS", "SARL"],
           "names": ["du Rhône", "des Vignes", "Garonne", "Beaulieu", "Martin", "Lefèvre", "Les Tilleuls", "Bellevue",
                     "Saint-Clair", "Meuse"],
           "nouns": {"care": ["EHPAD", "Services à Domicile", "Résidence"], "construction": ["Bâtiment", "Construction"],
                     "manufacturing": ["Industries", "Métallerie"], "hospitality": ["Hôtel", "Brasserie", "Restaurant"],
                     "agriculture": ["Domaine", "Exploitation agricole"], "transport": ["Logistique", "Transports"],
                     "ict": ["Logiciels"], "cleaning": ["Propreté", "Nettoyage"], "education": ["Interprétariat"],
                     "services": ["Services"]},
           "noun_first": True},
    "es": {"legal": ["S.L.", "S.A.", "S.L."],
           "names": ["Guadalquivir", "Levante", "Sierra Nevada", "Los Olivos", "García", "Fernández", "Costa Dorada", "El Pinar"],
           "nouns": {"agriculture": ["Agrícola", "Explotaciones Agrarias"], "hospitality": ["Hotel", "Restaurante"],
                     "care": ["Servicios Asistenciales", "Residencia"], "construction": ["Construcciones", "Reformas"],
                     "education": ["Academia de Idiomas"], "transport": ["Logística"], "ict": ["Software"],
                     "cleaning": ["Limpiezas"], "manufacturing": ["Industrias"], "services": ["Servicios"]},
           "noun_first": True},
}

# Firm names that fit the occupation better than the sector's generic ones (used most of the time).
OCC_NOUNS: dict[str, dict[str, list[str]]] = {
    "de": {"electrician": ["Elektrotechnik", "Elektro"], "plumber": ["Haustechnik", "Sanitär- und Heizungsbau"],
           "carpenter": ["Holzbau", "Zimmerei"], "painter": ["Malerbetrieb"], "tiler": ["Fliesen"], "scaffolder": ["Gerüstbau"],
           "butcher": ["Fleischwaren", "Metzgerei"], "baker": ["Bäckerei", "Backhaus"], "picker": ["Obsthof", "Spargelhof", "Erdbeerhof"],
           "crop": ["Gemüsebau", "Gärtnerei"], "livestock": ["Milchhof"], "bus": ["Verkehrsbetriebe", "Busreisen"],
           "delivery": ["Kurierdienst", "Express"], "mech_eng": ["Maschinenbau"], "childcare": ["Kita"], "teacher": ["Grundschule"],
           "interpreter": ["Sprachdienste"], "security": ["Sicherheitsdienst"], "sales": ["Frischemarkt"], "hairdresser": ["Friseursalon"],
           "nurse": ["Klinikum", "Krankenhaus"], "sewing": ["Textil"]},
    "it": {"electrician": ["Impianti Elettrici"], "plumber": ["Termoidraulica"], "carpenter": ["Falegnameria", "Carpenteria Edile"],
           "sewing": ["Confezioni", "Maglificio"], "picker": ["Frutticoltura", "Ortofrutta"], "livestock": ["Allevamento"],
           "crop": ["Ortofrutta", "Serre"], "baker": ["Forno"], "delivery": ["Trasporti"], "nurse": ["Casa di cura", "Clinica"]},
    "nl": {"electrician": ["Elektrotechniek"], "plumber": ["Installatietechniek"], "carpenter": ["Timmerbedrijf"],
           "picker": ["Fruitbedrijf", "Aspergeteelt", "Aardbeienkwekerij"], "crop": ["Kwekerij", "Tuinderij"],
           "livestock": ["Melkveebedrijf"], "childcare": ["Kinderopvang"], "bus": ["Vervoer", "Touringcars"], "taxi": ["Taxi"],
           "nurse": ["Ziekenhuis", "Zorggroep"], "baker": ["Bakkerij"]},
    "cs": {"electrician": ["Elektro"], "sewing": ["Textil"], "butcher": ["Masokombinát"], "picker": ["Ovocnářství"],
           "livestock": ["Zemědělské družstvo"], "bus": ["Autobusová doprava"]},
    "sk": {"electrician": ["Elektro"], "sewing": ["Textil"], "butcher": ["Mäsovýroba"], "welder": ["Zváranie"], "welder_tig": ["Zváranie"],
           "bus": ["Autobusová doprava"]},
    "hu": {"sewing": ["Textil"], "bus": ["Közlekedési"], "livestock": ["Állattenyésztő"], "picker": ["Gyümölcsös"]},
    "pt": {"electrician": ["Eletricidade"], "picker": ["Frutas", "Frutos Vermelhos"], "crop": ["Hortícolas"], "livestock": ["Pecuária"]},
    "pl": {"sewing": ["Konfekcja"], "welder": ["Spawalnictwo"], "welder_tig": ["Spawalnictwo"], "delivery": ["Kurier"], "picker": ["Sad"]},
    "fr": {"butcher": ["Boucherie", "Salaisons"], "electrician": ["Électricité"], "bricklayer": ["Maçonnerie"],
           "picker": ["Vergers", "Domaine viticole"]},
    "es": {"picker": ["Frutas", "Cítricos", "Fresas"], "livestock": ["Granja", "Porcino"], "crop": ["Hortalizas"]},
}

# ---------------------------------------------------------------------------- descriptions

INTRO = {
    "care": ["{employer} runs residential care homes in and around {city} and is growing its team.",
             "{employer} is a family-run care service in {city} with around 70 staff.",
             "At {employer} in {city} we look after older people and patients who need help every day.",
             "{employer} in {city} looks after about 120 residents and patients and works closely with the local hospital."],
    "construction": ["{employer} builds homes and public buildings in the {city} area.",
                     "{employer} is a mid-sized building firm in {city} with a full order book for 2027.",
                     "Our company in {city} renovates apartment blocks, schools and offices.",
                     "{employer} has worked on building sites around {city} for more than thirty years."],
    "manufacturing": ["{employer} is a manufacturer in {city} with two production halls and a stable order book.",
                      "Our plant in {city} runs in shifts and keeps expanding its production lines."],
    "hospitality": ["{employer} is a busy hotel and restaurant business in {city}.",
                    "{employer} in {city} welcomes guests all year and is looking for reliable colleagues.",
                    "Our family-run house in {city} has 60 rooms, a restaurant and a terrace.",
                    "{employer} serves regional food to locals and tourists in {city}."],
    "agriculture": ["{employer} is a fruit and vegetable farm near {city}.",
                    "{employer} grows crops on about 80 hectares near {city} and hires harvest teams every year.",
                    "Our farm near {city} supplies supermarkets and local markets.",
                    "{employer} is a farming business near {city} that works with the same seasonal teams for years."],
    "transport": ["{employer} runs logistics and transport services from {city}.",
                  "{employer} operates a distribution centre near {city} that supplies shops in the whole region.",
                  "Our company moves goods and people in and around {city} every day."],
    "ict": ["{employer} builds software for logistics and health-care clients, with offices in {city}.",
            "{employer} is a growing tech company in {city} with an international team.",
            "Our team in {city} develops and supports web applications for public and private customers."],
    "cleaning": ["{employer} cleans offices, schools and private homes in {city}.",
                 "{employer} is a cleaning company in {city} with long-term contracts.",
                 "A private household in {city} is looking for help through {employer}."],
    "education": ["{employer} in {city} works with schools, hospitals and public offices.",
                  "{employer} offers language and education services in {city}."],
    "services": ["{employer} is a service company in {city}.", "{employer} has several locations in and around {city}."],
}

# Introductions that only fit some occupations of a sector.
INTRO_BY_OCC = {
    "welder": ["{employer} produces steel structures and machine frames for customers across Europe from its plant near {city}."],
    "welder_tig": ["{employer} makes stainless steel equipment for the food and pharmaceutical industry in {city}."],
    "mech_eng": ["{employer} designs and builds special machinery in {city} for customers in twenty countries."],
    "butcher": ["{employer} runs a meat processing plant near {city} that supplies butchers and supermarkets."],
    "sewing": ["{employer} makes workwear and outdoor clothing in its own sewing halls in {city}."],
    "nurse": ["{employer} is a hospital with 400 beds in {city}.", "{employer} in {city} runs a geriatric clinic and two care homes."],
    "home_care": ["{employer} is a home care service in {city} that visits about 150 clients every day.",
                  "{employer} supports older people in their own homes in and around {city}."],
    "home_aide": ["Through {employer}, a family in {city} is looking for a carer for their mother.",
                  "{employer} places carers with older people who want to stay at home in {city}."],
    "civil_eng": ["{employer} plans and builds roads, bridges and public buildings around {city}."],
    "childcare": ["{employer} runs four day-care centres for small children in {city}."],
    "teacher": ["{employer} is a state-recognised primary school in {city} with pupils from many countries."],
    "lang_teacher": ["{employer} is a language school in {city} with courses for companies and adults."],
    "bus": ["{employer} runs city and regional bus lines in and around {city}."],
    "taxi": ["{employer} is a taxi and private hire company in {city} with 80 cars."],
    "livestock": ["{employer} is a dairy farm near {city} with about 300 cows."],
    "security": ["{employer} protects offices, shops and industrial sites in {city}."],
    "sales": ["{employer} runs supermarkets in {city} and the surrounding towns."],
    "hairdresser": ["{employer} is a hair salon with three branches in {city}."],
}

DUTIES = {
    "nurse": ["You plan and give nursing care, check vital signs and hand out medication on the ward.",
              "You will be responsible for the nursing care of a group of residents, including medication and wound care.",
              "You care for patients after surgery, document their condition and work closely with doctors."],
    "nurse_assistant": ["You support the nurses with washing, dressing, meals and mobility of residents.",
                        "You help residents with daily personal care and report changes in their health to the nurse in charge.",
                        "The work includes basic care, measuring blood pressure and keeping residents company."],
    "hca": ["You help patients with meals, hygiene and moving around, and keep rooms tidy and safe.",
            "You accompany residents through the day, support personal care and take part in activities."],
    "home_aide": ["You live with an older person, help with personal care, cooking and the household.",
                  "You support a client at home with washing, meals, shopping and company."],
    "home_care": ["You visit clients in their homes, help with personal care and remind them to take medication.",
                  "You drive between clients on a planned route and support them with everyday care."],
    "childcare": ["You look after children aged one to six, help with meals and rest, and organise play.",
                  "You care for small groups of children together with a qualified educator."],
    "bricklayer": ["You build walls in brick and block on residential sites, working from drawings.",
                   "You lay bricks and blocks, set out walls and work with the site foreman on quality."],
    "carpenter": ["You build roof structures and formwork and fit doors and windows.",
                  "You work on timber frames and formwork on building sites, following plans."],
    "plumber": ["You install water, heating and sanitary systems in new and renovated buildings.",
                "You fit pipes, bathrooms and heating systems and carry out repairs for private customers."],
    "electrician": ["You install cables, sockets, lighting and distribution boards in new buildings.",
                    "You wire and test electrical systems and find faults in existing installations."],
    "painter": ["You prepare and paint walls, ceilings and facades inside and outside.",
                "You fill, sand and paint surfaces in apartments and offices."],
    "tiler": ["You lay floor and wall tiles in bathrooms, kitchens and public buildings.",
              "You prepare surfaces and lay tiles accurately to plan."],
    "scaffolder": ["You put up and take down scaffolding on building sites, always secured.",
                   "You build safe scaffolds for facades and roofs in a team of three to four."],
    "builder": ["You help skilled workers on site: carrying material, mixing concrete, cleaning up and simple tasks.",
                "You support the site team with preparation, material handling and basic building work."],
    "civil_eng": ["You plan and supervise road and bridge projects, check drawings and coordinate subcontractors.",
                  "You lead construction sites from planning to handover and keep costs and deadlines in view."],
    "welder": ["You weld steel components with MIG/MAG in the workshop, following technical drawings.",
               "You weld frames and structures and check your welds for quality."],
    "welder_tig": ["You weld stainless steel pipes and parts with TIG to high quality standards.",
                   "You carry out TIG welding on thin-walled stainless steel for the food industry."],
    "sewing": ["You sew garments on industrial machines in a production line.",
               "You operate sewing machines to produce workwear and check the finished pieces."],
    "mech_eng": ["You design machine parts in CAD and support production with technical changes.",
                 "You develop and improve production equipment, from first sketch to testing."],
    "butcher": ["You cut and prepare meat in our processing plant, following strict hygiene rules.",
                "You bone and portion meat and keep your workstation clean and safe."],
    "waiter": ["You welcome guests, take orders and serve food and drinks.",
               "You serve in the restaurant and on the terrace and advise guests on the menu."],
    "receptionist": ["You check guests in and out, answer questions and handle bookings.",
                     "You are the first contact for guests at the front desk, by phone and e-mail."],
    "room": ["You clean and prepare guest rooms to our standards.",
             "You clean rooms and bathrooms, change linen and report damage."],
    "kp": ["You wash dishes and pots, keep the kitchen clean and help with simple preparation.",
           "You keep the kitchen running: dishwashing, cleaning and putting away deliveries."],
    "cook": ["You prepare dishes from our menu, including meat and vegetable dishes, and keep the kitchen clean.",
             "You cook for the restaurant and for groups, following recipes and hygiene rules."],
    "chef": ["You lead a section of the kitchen, prepare meat dishes and train junior cooks.",
             "You plan dishes with the head chef and organise your station during busy services."],
    "baker": ["You bake bread, rolls and pastries in the early shift.",
              "You prepare dough and bake our products in a traditional bakehouse."],
    "picker": ["You pick fruit or vegetables by hand, sort them and fill crates in the field.",
               "You harvest by hand in a team, with clear daily targets and breaks.",
               "You pick, sort and pack the harvest and keep your work area clean."],
    "crop": ["You plant, water and harvest vegetables in greenhouses and fields.",
             "You look after the crops during the whole season and drive small farm machines."],
    "livestock": ["You feed and milk the cows, clean the stables and watch animal health.",
                  "You take care of the animals in the stables, including feeding and milking."],
    "farmer": ["You help with everything on a mixed farm: animals, field work and machines.",
               "You work with cattle and in the fields and drive tractors."],
    "bus": ["You drive city and regional bus routes to a timetable and help passengers.",
            "You drive scheduled bus routes safely and on time."],
    "delivery": ["You deliver parcels to homes and businesses on a set route with a company van.",
                 "You load the van in the morning and deliver goods to customers in the city."],
    "taxi": ["You drive passengers safely through the city and to the airport.",
             "You take bookings through our app and drive customers to their destinations."],
    "warehouse": ["You pick and pack orders, load and unload trucks and keep the stock in order.",
                  "You receive goods, stack them on pallets and prepare shipments."],
    "forklift": ["You drive forklifts and reach trucks to load, unload and store goods.",
                 "You move pallets with a forklift and keep the high racks in order."],
    "dev_py": ["You build backend services and data pipelines in Python and SQL.",
               "You develop and maintain Python applications and work with the team on code reviews."],
    "dev_js": ["You build web front ends and APIs in JavaScript and work with designers.",
               "You develop features for our web platform in JavaScript and SQL."],
    "helpdesk": ["You answer users' calls and tickets, solve IT problems and pass harder cases on.",
                 "You support staff with laptops, accounts and software problems by phone and chat."],
    "cleaner": ["You clean and tidy a private home, do the laundry and help in the kitchen.",
                "You keep the household clean and organised."],
    "cleaner_pro": ["You clean offices and staircases with professional machines.",
                    "You do regular cleaning in office buildings in early or late shifts."],
    "teacher": ["You teach a primary class, plan lessons and work with parents.",
                "You teach children aged six to ten and support pupils who are still learning the language."],
    "lang_teacher": ["You teach English to adult groups at different levels.",
                     "You plan and give English lessons for learners at work and in evening classes."],
    "interpreter": ["You interpret between patients, doctors and officials and translate short documents.",
                    "You interpret in hospitals and public offices, on site and by phone."],
    "security": ["You patrol buildings and sites, check entrances and report incidents.",
                 "You guard an industrial site and do rounds by day or night."],
    "sales": ["You serve customers, fill shelves and work at the till.", "You advise customers and keep the shop tidy."],
    "hairdresser": ["You cut and style hair for women, men and children.", "You cut, colour and style hair in a busy salon."],
}

OFFERS = {
    "any": ["We pay the visa costs and help with the paperwork.",
            "We help you find a room or a flat and pay the deposit.",
            "Your contract and salary are the same as for local staff.",
            "A colleague from your region will help you settle in during the first weeks.",
            "We pay the journey to start work.",
            "You get a permanent contract after a trial period."],
    "care": ["We pay for a language course and the recognition fees.", "Shift plans are agreed one month in advance.",
             "You get an experienced mentor for the first three months."],
    "agriculture": ["Accommodation on the farm costs a fixed amount that is shown in the contract.",
                    "Work clothes and tools are provided free of charge.", "Many of our workers come back every season.",
                    "Transport from the accommodation to the fields is free."],
    "hospitality": ["Staff accommodation and meals are available.", "Tips are shared fairly within the team."],
    "construction": ["Work clothes, safety shoes and tools are provided.", "Overtime is paid or taken as time off."],
    "ict": ["You can work from home two days a week.", "We support the Blue Card application and relocation."],
}


# ---------------------------------------------------------------------------- legal routes

WB = ["AL", "BA", "ME", "MK", "RS", "XK"]  # Western Balkans regulation (DE)
IT_FLUSSI = ["AL", "BA", "MK", "RS", "XK", "MD", "UA", "GE", "MA", "TN", "EG", "PH", "LK", "IN", "BD", "PK", "SN"]
ES_GECCO = ["MA", "CO", "EC", "HN", "SN"]
PT_MOBILITY = ["IN", "MA", "CV"]


def legal_route(country: str, key: str, rng: random.Random) -> dict:
    sector = OCCUPATIONS[key][1]
    regulated = key in {"nurse", "civil_eng", "teacher"}
    route: dict = {"employer_sponsors": rng.random() < 0.7}
    if country == "DE":
        if key == "nurse":
            route.update(type="skilled_worker_visa", name="German skilled immigration: residence permit for skilled workers (§ 18a AufenthG)",
                         min_education_level=5, requires_recognised_qualification=True, employer_sponsors=True)
        elif key in {"civil_eng", "mech_eng", "dev_py", "dev_js"}:
            route.update(type="eu_blue_card", name="EU Blue Card Germany (§ 18g AufenthG)", min_education_level=6,
                         requires_recognised_qualification=key == "civil_eng")
        elif key == "teacher":
            route.update(type="skilled_worker_visa", name="Skilled worker permit with recognised teaching qualification",
                         min_education_level=6, requires_recognised_qualification=True)
        elif sector == "agriculture":
            route.update(type="seasonal_work", name="Seasonal agricultural work through a placement agreement of the Federal Employment Agency",
                         eligible_origin_countries=["GE", "MD"], employer_sponsors=True)
        elif sector in {"construction", "hospitality", "cleaning"} or key in {"warehouse", "forklift", "butcher", "welder", "welder_tig"}:
            route.update(type="work_permit", name="Western Balkans regulation (§ 26 (2) BeschV)", eligible_origin_countries=WB)
        elif key == "bus":
            route.update(type="work_permit", name="Work permit for professional drivers (§ 24a BeschV)")
        else:
            route.update(type="work_permit", name="Recognition partnership (§ 16d AufenthG)")
    elif country == "AT":
        if key == "nurse":
            route.update(type="skilled_worker_visa", name="Red-White-Red Card for shortage occupations",
                         min_education_level=5, requires_recognised_qualification=True)
        elif sector == "agriculture" or (sector == "hospitality" and rng.random() < 0.6):
            route.update(type="seasonal_work", name="Austrian seasonal worker permit (quota for agriculture and tourism)")
        elif key == "dev_py":
            route.update(type="eu_blue_card", name="EU Blue Card Austria", min_education_level=6)
        else:
            route.update(type="skilled_worker_visa", name="Red-White-Red Card for shortage occupations")
    elif country == "IT":
        if key == "nurse":
            route.update(type="work_permit", name="Entry outside quotas for nurses (art. 27 Testo Unico Immigrazione)",
                         min_education_level=6, requires_recognised_qualification=True)
        elif sector == "agriculture" or (sector == "hospitality" and rng.random() < 0.5):
            route.update(type="seasonal_work", name="Decreto Flussi 2026 – seasonal quota for countries with cooperation agreements",
                         eligible_origin_countries=IT_FLUSSI)
        elif key in {"home_aide", "nurse_assistant", "hca"}:
            route.update(type="work_permit", name="Decreto Flussi – quota for family and social-care assistants")
        else:
            route.update(type="work_permit", name="Decreto Flussi – non-seasonal employed work")
    elif country == "NL":
        if sector == "ict" or key in {"mech_eng"}:
            route.update(type="skilled_worker_visa", name="Highly skilled migrant scheme (recognised sponsor)", employer_sponsors=True,
                         min_education_level=6 if key != "helpdesk" else None)
        elif key == "nurse":
            route.update(type="work_permit", name="Single permit with BIG registration", min_education_level=6,
                         requires_recognised_qualification=True)
        else:
            route.update(type="work_permit", name="Single permit (GVVA) after labour-market test")
    elif country == "CZ":
        if sector == "ict" or key == "mech_eng":
            route.update(type="eu_blue_card", name="EU Blue Card Czech Republic", min_education_level=6 if key != "helpdesk" else None)
        elif sector == "agriculture":
            route.update(type="seasonal_work", name="Employee card for seasonal work")
        elif key == "nurse":
            route.update(type="work_permit", name="Employee card with recognised nursing qualification", min_education_level=5,
                         requires_recognised_qualification=True)
        else:
            route.update(type="work_permit", name="Employee card – Qualified Employee Programme",
                         eligible_origin_countries=["UA", "PH", "IN", "MD", "GE", "AM", "MK", "RS", "ME", "BA", "KZ", "MN"],
                         employer_sponsors=True)
    elif country == "HU":
        if sector == "ict":
            route.update(type="eu_blue_card", name="EU Blue Card Hungary", min_education_level=6 if key != "helpdesk" else None)
        elif sector == "agriculture":
            route.update(type="seasonal_work", name="Seasonal work permit")
        else:
            route.update(type="work_permit", name="Guest-worker residence permit through a qualified employment agency", employer_sponsors=True)
    elif country == "PT":
        if sector == "ict":
            route.update(type="skilled_worker_visa", name="Residence visa for highly qualified activity", min_education_level=6 if key != "helpdesk" else None)
        elif sector == "agriculture" and rng.random() < 0.6:
            route.update(type="seasonal_work", name="Seasonal work visa under a bilateral labour mobility agreement",
                         eligible_origin_countries=PT_MOBILITY)
        else:
            route.update(type="work_permit", name="Residence visa for employed work")
    elif country == "SK":
        if key in {"mech_eng", "dev_py"}:
            route.update(type="eu_blue_card", name="EU Blue Card Slovakia", min_education_level=6)
        else:
            route.update(type="work_permit", name="Temporary residence for employment (single permit)")
    elif country == "BE":
        if key == "nurse":
            route.update(type="work_permit", name="Single permit with recognised nursing diploma", min_education_level=6,
                         requires_recognised_qualification=True)
        elif sector == "agriculture":
            route.update(type="seasonal_work", name="Seasonal worker single permit (fruit sector)")
        else:
            route.update(type="work_permit", name="Single permit – shortage occupation")
    elif country == "FR":
        if sector == "agriculture":
            route.update(type="seasonal_work", name="Seasonal worker residence permit (carte saisonnier)")
        else:
            route.update(type="work_permit", name="Work authorisation for shortage occupations (métiers en tension)")
    elif country == "ES":
        if sector == "agriculture":
            route.update(type="seasonal_work", name="Collective recruitment in countries of origin (GECCO)",
                         eligible_origin_countries=ES_GECCO, employer_sponsors=True)
        else:
            route.update(type="work_permit", name="Residence and work authorisation for employed work")
    elif country == "PL":
        if sector == "agriculture":
            route.update(type="seasonal_work", name="Seasonal work permit")
        else:
            route.update(type="work_permit", name="Work permit type A")
    if regulated and "requires_recognised_qualification" not in route:
        route["requires_recognised_qualification"] = True
    if route.get("min_education_level") is None:
        route.pop("min_education_level", None)
    return route


# ---------------------------------------------------------------------------- salaries
# Monthly gross in EUR for Germany; other countries scale by a factor and convert.

BASE = {"nurse": (3500, 4200), "nurse_assistant": (2600, 3000), "hca": (2500, 2900), "home_aide": (2100, 2500),
        "home_care": (2700, 3100), "childcare": (2700, 3200), "bricklayer": (3000, 3600), "carpenter": (3000, 3500),
        "plumber": (3100, 3700), "electrician": (3200, 3800), "painter": (2700, 3200), "tiler": (2900, 3400),
        "scaffolder": (2800, 3300), "builder": (2400, 2800), "civil_eng": (4500, 5800), "welder": (2900, 3500),
        "welder_tig": (3200, 3900), "sewing": (2200, 2500), "mech_eng": (4500, 5800), "butcher": (2600, 3000),
        "waiter": (2300, 2700), "receptionist": (2400, 2800), "room": (2200, 2500), "kp": (2150, 2400), "cook": (2600, 3100),
        "chef": (3000, 3600), "baker": (2500, 2900), "picker": (2250, 2450), "crop": (2300, 2600), "livestock": (2400, 2800),
        "farmer": (2400, 2800), "bus": (2900, 3300), "delivery": (2300, 2700), "taxi": (2200, 2600), "warehouse": (2300, 2700),
        "forklift": (2500, 2900), "dev_py": (4300, 5600), "dev_js": (4200, 5400), "helpdesk": (2900, 3400),
        "cleaner": (2150, 2400), "cleaner_pro": (2200, 2500), "teacher": (3800, 4600), "lang_teacher": (2800, 3400),
        "interpreter": (3000, 3600), "security": (2400, 2800), "sales": (2300, 2600), "hairdresser": (2200, 2600)}

FACTOR = {"DE": 1.0, "AT": 0.97, "NL": 1.05, "BE": 1.08, "FR": 0.85, "IT": 0.65, "ES": 0.6, "PT": 0.45, "CZ": 0.5,
          "SK": 0.48, "HU": 0.42, "PL": 0.45}
FX = {"EUR": 1, "CZK": 25, "HUF": 400, "PLN": 4.3}
MIN_MONTH = {"DE": 2400, "NL": 2350, "BE": 2100, "FR": 1820, "ES": 1190, "PT": 920, "IT": 1300, "AT": 2000,
             "CZ": 950, "SK": 915, "HU": 800, "PL": 1100}  # EUR, the demo's floor


def salary(country: str, key: str, rng: random.Random) -> tuple[float, float, str, str]:
    lo, hi = BASE[key]
    factor = FACTOR[country]
    if OCCUPATIONS[key][1] == "ict" or key in {"civil_eng", "mech_eng"}:
        factor = {"CZ": 0.6, "SK": 0.55, "HU": 0.5, "PL": 0.55, "PT": 0.5}.get(country, factor)
    lo, hi = lo * factor, hi * factor
    floor = MIN_MONTH[country]
    lo, hi = max(lo, floor), max(hi, floor * 1.08)
    wiggle = rng.uniform(0.95, 1.06)
    lo, hi = lo * wiggle, hi * wiggle
    cur = COUNTRIES[country]["cur"]
    period = "month"
    if OCCUPATIONS[key][1] == "ict" or key in {"civil_eng", "mech_eng"}:
        if rng.random() < 0.7:
            period = "year"
    elif key in {"picker", "crop"} and country in {"DE", "NL", "IT", "ES", "FR", "BE", "AT"} and rng.random() < 0.7:
        period = "hour"
    elif key in {"warehouse", "forklift", "builder", "scaffolder", "cleaner_pro", "delivery"} and country in {"NL", "DE", "BE"} and rng.random() < 0.5:
        period = "hour"
    if period == "year":
        months = 14 if country in {"AT", "PT", "ES", "IT"} else 12
        lo, hi = lo * months, hi * months
        lo, hi = round(lo * FX[cur], -3), round(hi * FX[cur], -3)
    elif period == "hour":
        lo, hi = lo / 173, hi / 173
        lo, hi = round(lo * FX[cur], 2), round(hi * FX[cur], 2)
    else:
        step = {"EUR": -1, "CZK": -2, "HUF": -4, "PLN": -1}[cur]
        lo, hi = round(lo * FX[cur], step), round(hi * FX[cur], step)
    if hi <= lo:
        hi = lo * 1.1
    return float(lo), float(round(hi, 2)), cur, period


# ---------------------------------------------------------------------------- languages


def languages(country: str, lang: str, key: str, rng: random.Random) -> list[dict]:
    sector = OCCUPATIONS[key][1]
    flexible = country in {"NL", "CZ", "HU", "SK", "PL", "PT"}  # employers who often work in English with foreign staff
    out: list[dict] = []

    def add(code: str, level: str, trainable: bool = False) -> None:
        out.append({"language": code, "min_level": level, "trainable": trainable})

    if sector == "ict":
        add("en", "C1" if rng.random() < 0.25 else "B2")
        if country in {"DE", "AT", "FR", "IT"} and rng.random() < 0.6:
            add(lang, "A2", trainable=True)
    elif key == "nurse":
        add(lang, "B2" if country in {"DE", "AT", "NL", "BE"} else "B1", trainable=rng.random() < 0.3)
    elif key in {"teacher"}:
        add(lang, "C1")
    elif key == "lang_teacher":
        add("en", "C1")
        if country in {"ES", "IT", "DE", "FR"}:  # elsewhere the demo schools teach through English only
            add(lang, "B1", trainable=rng.random() < 0.5)
    elif key == "interpreter":
        add(lang, "C1")
        other = rng.choice(["ar", "uk", "en", "ru"])
        add(other, "C1")
    elif key in {"mech_eng", "civil_eng"}:
        add("en", "B2")
        add(lang, "B1", trainable=True)
    elif sector == "care":
        level = "B1" if country in {"DE", "AT", "NL", "BE", "FR"} else "A2"
        add(lang, level, trainable=rng.random() < 0.4)
    elif key in {"receptionist"}:
        add(lang, "B1")
        add("en", "B2")
    elif key in {"waiter", "bus", "taxi", "security", "sales", "hairdresser"}:
        add(lang, "B1" if key != "waiter" else rng.choice(["A2", "B1"]), trainable=rng.random() < 0.3)
        if key in {"waiter", "taxi"} and rng.random() < 0.6:
            add("en", "A2")
    elif sector == "agriculture":
        if flexible and rng.random() < 0.5:
            add("en", "A2")
        elif key == "picker" and rng.random() < 0.3:
            add(lang, "A1", trainable=True)
        else:
            add(lang, "A2", trainable=rng.random() < 0.7)
    else:  # construction, manufacturing, logistics, cleaning, kitchens
        if flexible and rng.random() < 0.4:
            add("en", "A2" if rng.random() < 0.7 else "B1")
            if rng.random() < 0.4:
                add(lang, "A1", trainable=True)
        else:
            add(lang, "A2" if rng.random() < 0.75 else "B1", trainable=rng.random() < 0.5)
    return out


# ---------------------------------------------------------------------------- vacancies

MRCS = ["MRC Chișinău", "MRC Tirana", "MRC Prishtina", "MRC Skopje", "MRC Tbilisi", "MRC Manila", "MRC Kathmandu",
        "MRC Rabat", "MRC Tunis", "MRC Sarajevo", "MRC Belgrade"]

ORIGIN_CONTRACT_LANG = ["ro", "sq", "mk", "sr", "ka", "ar", "uk", "tl", "ne", "fr"]


def _firm(lang: str, sector: str, key: str, rng: random.Random, country: str) -> str:
    spec = FIRMS[lang]
    specific = OCC_NOUNS.get(lang, {}).get(key)
    noun = rng.choice(specific) if specific and rng.random() < 0.8 else rng.choice(spec["nouns"][sector])
    if sector == "care" and lang == "de" and rng.random() < 0.4:
        return f"{noun} {rng.choice(spec['names'])} gGmbH"
    name = rng.choice(spec["names"])
    legal = rng.choice(spec["legal"])
    if lang == "nl" and country == "BE":
        legal = "BV"
    if lang == "fr" and country == "BE":
        legal = rng.choice(["SRL", "SA"])
    if legal == "Soc. Coop." and "Cooperativa" in noun:
        legal = ""
    text = f"{noun} {name}" if spec["noun_first"] else f"{name} {noun}"
    return f"{text} {legal}".strip()


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def build_vacancies() -> list[dict]:
    rng = random.Random(20260901)
    used_fingerprints: set[tuple] = set()
    rows: list[dict] = []
    n = 0
    for country, plan in PLAN.items():
        info = COUNTRIES[country]
        for key, count in plan:
            label, sector, ess_pool, opt_pool, isced = OCCUPATIONS[key]
            for _ in range(count):
                n += 1
                lang = info["lang"]
                if sector == "agriculture":
                    city = rng.choice(info["agri"])
                elif sector == "hospitality" and rng.random() < 0.5:
                    city = rng.choice(info["tourism"])
                else:
                    city = rng.choice(info["cities"])
                if country == "BE" and rng.random() < 0.45 and sector != "agriculture":
                    lang, city = "fr", rng.choice(info["fr_cities"])
                titles = TITLES[key]
                local_titles = titles.get(lang, [])
                if local_titles and (rng.random() < 0.8 or sector != "ict"):
                    title = rng.choice(local_titles) if rng.random() < 0.85 else rng.choice(titles["en"])
                else:
                    title = rng.choice(titles["en"])
                for _attempt in range(20):
                    employer = _firm(lang, sector, key, rng, country)
                    fp = (employer, title, country, city)
                    if fp not in used_fingerprints:
                        break
                used_fingerprints.add(fp)

                k = rng.randint(2, min(len(ess_pool), 5))
                essential = ess_pool[:k]
                spare = [s for s in ess_pool[k:] + opt_pool if s not in essential]
                optional = rng.sample(spare, rng.randint(0, min(4, len(spare))))
                langs = languages(country, lang, key, rng)

                contract = "permanent"
                if sector == "agriculture" and key in {"picker", "crop"}:
                    contract = "seasonal"
                elif sector == "hospitality" and city in info["tourism"] and rng.random() < 0.6:
                    contract = "seasonal"
                elif rng.random() < 0.2:
                    contract = "fixed_term"
                if country == "DE" and key == "nurse" and n % 4 == 0:
                    contract = "apprenticeship"
                    title = "Ausbildung Pflegefachfrau / Pflegefachmann (m/w/d) mit Sprachkurs"

                hours = 40.0
                if country in {"DE", "AT"}:
                    hours = rng.choice([38.5, 39.0, 40.0])
                elif country in {"NL", "BE"}:
                    hours = rng.choice([36.0, 38.0, 40.0])
                elif country == "FR":
                    hours = 35.0
                if sector == "care" and rng.random() < 0.25:
                    hours = rng.choice([25.0, 30.0, 32.0])
                if contract == "seasonal" and sector == "agriculture":
                    hours = rng.choice([40.0, 45.0, 48.0])

                lo, hi, cur, period = salary(country, key, rng)
                if contract == "apprenticeship":
                    lo, hi, period = 1300.0, 1500.0, "month"

                posted = _day(rng, date(2026, 9, 1), date(2026, 11, 28))
                if key in {"picker", "crop"}:
                    valid = _day(rng, date(2027, 1, 15), date(2027, 4, 30))
                else:
                    valid = _day(rng, date(2027, 1, 10), date(2027, 6, 30))

                route = legal_route(country, key, rng)
                if contract == "apprenticeship":
                    route = {"type": "work_permit", "name": "Residence permit for vocational training (§ 16a AufenthG)",
                             "employer_sponsors": True, "min_education_level": 3}

                contract_langs = [lang]
                if "en" not in contract_langs and rng.random() < 0.8:
                    contract_langs.append("en")
                if rng.random() < 0.25:
                    contract_langs.append(rng.choice(ORIGIN_CONTRACT_LANG))
                fair = {"no_fees_to_worker": rng.random() < 0.88, "contract_languages": contract_langs}
                if fair["no_fees_to_worker"] and rng.random() < 0.3:
                    fair["verified_by_mrc"] = rng.choice(MRCS)
                elif not fair["no_fees_to_worker"] and rng.random() < 0.5:
                    fair["contract_languages"] = [lang]

                # description
                intros = INTRO_BY_OCC.get(key) or INTRO[sector]
                sentences = [rng.choice(intros).format(employer=employer, city=city), rng.choice(DUTIES[key])]
                req = []
                firm = [f"{LANG_NAME[x['language']]} at {x['min_level']}" for x in langs if not x["trainable"]]
                soft = [x for x in langs if x["trainable"]]
                lang_text = ""
                if firm:
                    listed = " and ".join(firm)
                    lang_text = rng.choice([f"You need {listed} level at least.", f"We ask for {listed} or better.",
                                            f"Please note: {listed} is required from the first day."])
                if soft:
                    x = soft[0]
                    extra = (f"{LANG_NAME[x['language']]} at {x['min_level']} level is our target; if you are not there yet, "
                             "we pay for a course before and after arrival.")
                    lang_text = f"{lang_text} {extra}".strip()
                req.append(lang_text)
                if route.get("requires_recognised_qualification"):
                    req.append("Your diploma must be recognised before you can work in the full role; we support the procedure.")
                elif isced and isced >= 3 and rng.random() < 0.4:
                    req.append("Vocational training or proven experience in this kind of work is expected.")
                sentences.append(req[0])
                if len(req) > 1 and (route.get("requires_recognised_qualification") or (rng.random() < 0.5 and req[0].count(". ") == 0)):
                    sentences.append(req[1])
                pool = OFFERS["any"] + OFFERS.get(sector, [])
                if contract != "permanent":
                    pool = [x for x in pool if "permanent contract" not in x]
                used = sum(x.count(". ") + 1 for x in sentences)
                sentences.extend(rng.sample(pool, max(0, min(rng.randint(1, 2), 5 - used))))
                description = " ".join(sentences)

                ext = f"demo-vac-{n:03d}"
                row = {
                    "external_id": ext,
                    "employer": employer,
                    "title": title,
                    "occupation_uri": occ(label),
                    "description": description,
                    "essential_skills": [sk(s) for s in essential],
                    "optional_skills": [sk(s) for s in optional],
                    "country": country,
                    "city": city,
                    "languages": langs,
                    "education_level": isced if (isced and (isced >= 4 or rng.random() < 0.6)) else None,
                    "contract_type": contract,
                    "hours_per_week": hours,
                    "salary_min": lo,
                    "salary_max": hi,
                    "salary_currency": cur,
                    "salary_period": period,
                    "legal_route": route,
                    "fair_recruitment": fair,
                    "sources": [{"feed": "headstart-demo", "external_id": ext, "url": f"https://demo.headstart.example/vacancies/{ext}"}],
                    "date_posted": posted.isoformat(),
                    "valid_through": valid.isoformat(),
                    "status": "open",
                }
                if rng.random() < 0.08:
                    row.pop("salary_min")
                    row.pop("salary_max")
                    row.pop("salary_currency")
                    row.pop("salary_period")
                rows.append(row)

    # A few expired, draft, filled and closed postings so that filtering is exercised.
    specials = {
        7: ("valid_through", "2026-10-31"), 33: ("valid_through", "2026-10-15"), 61: ("valid_through", "2026-11-15"),
        95: ("valid_through", "2026-10-31"), 140: ("valid_through", "2026-11-01"), 177: ("valid_through", "2026-10-20"),
    }
    for index, (field, value) in specials.items():
        rows[index]["date_posted"] = "2026-09-0" + str(1 + index % 9)
        rows[index][field] = value
    for index, status in [(12, "draft"), (47, "draft"), (120, "draft"), (20, "filled"), (77, "filled"), (150, "filled"),
                          (25, "closed"), (101, "closed"), (188, "closed")]:
        rows[index]["status"] = status
    return rows


# The same job posted again through another feed: same employer, title, country, city and occupation.
DUPLICATES = [(2, "eures-demo"), (40, "eures-demo"), (70, "arbeitsagentur-demo"), (110, "eures-demo"), (160, "partner-mrc-feed")]


def add_duplicates(rows: list[dict]) -> list[tuple[str, str]]:
    rng = random.Random(77)
    pairs = []
    n = len(rows)
    for index, feed in DUPLICATES:
        original = rows[index]
        if original["status"] != "open" or original["valid_through"] < "2027":
            raise SystemExit(f"duplicate source {original['external_id']} is not an open posting")
        n += 1
        ext = f"demo-vac-{n:03d}"
        copy = json.loads(json.dumps(original))
        copy["external_id"] = ext
        feed_id = f"{feed.split('-')[0].upper()}-{rng.randrange(10**7, 10**8)}"
        copy["sources"] = [{"feed": feed, "external_id": feed_id, "url": f"https://{feed}.example/jobs/{feed_id}"}]
        # Feeds rewrite postings a little: shorter text, sometimes no salary, a later posting date.
        first = copy["description"].split(". ")
        copy["description"] = ". ".join(first[:3]).rstrip(".") + "."
        copy["date_posted"] = (date.fromisoformat(original["date_posted"]) + timedelta(days=rng.randint(1, 6))).isoformat()
        if rng.random() < 0.5:
            for field in ("salary_min", "salary_max", "salary_currency", "salary_period"):
                copy.pop(field, None)
        copy["optional_skills"] = copy["optional_skills"][:1]
        rows.append(copy)
        pairs.append((original["external_id"], ext))
    return pairs


# ---------------------------------------------------------------------------- profiles


def L(code: str, level: str | None = None, **subskills: str) -> dict:
    """A language: L("de", "B1"), L("de", listening="B1", ...) or L("ro", native=True)."""
    if subskills.pop("native", None):
        return {"language": code, "native": True}
    item: dict = {"language": code}
    if level:
        item["overall"] = level
    item.update(subskills)
    return item


def N(code: str) -> dict:
    return {"language": code, "native": True}


def SUB(code: str, listening: str, reading: str, interaction: str, production: str, writing: str) -> dict:
    return {"language": code, "listening": listening, "reading": reading, "spoken_interaction": interaction,
            "spoken_production": production, "writing": writing}


def Q(title: str, isced: int | None, country: str, recognition: str = "not_started", recognised_in: list[str] | None = None) -> dict:
    item = {"title": title, "isced_level": isced, "country": country, "recognition": recognition}
    if recognised_in:
        item["recognised_in"] = recognised_in
    return item


CARE_BASIC = ["tend to elderly people", "provide basic support to patients", "maintain personal hygiene standards",
              "hygiene in a health care setting"]

# (origin, residence, destinations, occupations [(ESCO label or None, title as typed, years)], skills, free text,
#  languages, ISCED, qualifications, driving licences, available from, summary, consent)
PROFILES: list[tuple] = [
    ("MD", "MD", ["DE", "AT"], [("nurse assistant", "infirmieră auxiliară în spital", 4)],
     CARE_BASIC + ["monitor patient's vital signs", "provide first aid"], ["lifting patients with a hoist"],
     [N("ro"), L("ru", "B2"), L("de", "B1"), L("en", "A2")], 3,
     [Q("Certificate of qualification: auxiliary nurse", 3, "MD", "in_progress")], [], "2027-01-15",
     "Four years as an auxiliary nurse in a district hospital in Orhei. I finished German B1 this summer and want to work in elderly care.", True),
    ("MD", "MD", ["DE"], [("fruit and vegetable picker", "strawberry and apple picking", 5)],
     ["harvest crop", "apply health and safety when picking", "drive agricultural machines", "work in teams"], ["pruning apple trees"],
     [N("ro"), L("ru", "B1"), L("de", "A2")], 2, [], ["B", "T"], "2027-03-01",
     "I picked apples and strawberries for five seasons, two of them in Poland. I can drive a tractor and want seasonal work in Germany.", True),
    ("GE", "GE", ["DE", "IT"], [("crop production worker", "vegetable farm worker", 3), ("fruit and vegetable picker", "grape harvest", 2)],
     ["harvest crop", "irrigate soil", "drive agricultural machines", "apply health and safety when picking"], ["greenhouse tomato grafting"],
     [N("ka"), L("ru", "B2"), L("de", "A1"), L("en", "A2")], 3, [], ["B"], "2027-03-15",
     "I work on my family's vegetable farm in Kakheti and help with the grape harvest every autumn. My German is still basic but I am taking a course.", True),
    ("AM", "AM", ["DE"], [("fruit and vegetable picker", "apricot picking", 4)],
     ["harvest crop", "apply health and safety when picking", "work in teams"], [],
     [N("hy"), L("ru", "C1"), L("de", "A2")], 3, [], [], "2027-04-01",
     "Apricot and grape picking in the Ararat valley for four years. I would like to join a harvest team in Germany next spring.", True),
    ("NP", "NP", ["IT", "PT"], [("fruit and vegetable picker", "farm worker (tea and vegetables)", 6)],
     ["harvest crop", "irrigate soil", "apply health and safety when picking"], ["tea plucking"],
     [N("ne"), L("hi", "B2"), L("en", "B1"), L("it", "A1")], 2, [], [], "2027-02-01",
     "Six years on tea gardens and vegetable farms in Ilam. I am looking for seasonal farm work in southern Europe.", True),
    ("XK", "XK", ["DE", "AT"], [("bricklayer", "murator", 9)],
     ["lay bricks", "read standard blueprints", "follow health and safety procedures in construction", "work in a construction team",
      "use measurement instruments"], ["plastering", "drywall installation"],
     [N("sq"), L("de", "A2"), L("en", "A2")], 3, [Q("Vocational school certificate: construction", 3, "XK", "not_started")], ["B"], "2027-01-10",
     "Bricklayer with nine years on sites in Kosovo and two summers in Switzerland. I read drawings and can lead a small team.", True),
    ("AL", "AL", ["DE", "IT"], [("electrician", "elektricist ndërtimi", 7)],
     ["install electrical and electronic equipment", "use electrical wire tools", "read standard blueprints",
      "follow safety precautions in work practices", "use measurement instruments"], ["solar panel installation"],
     [N("sq"), L("it", "B1"), L("de", "B1"), L("en", "B1")], 3,
     [Q("Professional diploma: electrical installations", 3, "AL", "in_progress")], ["B"], "2027-02-01",
     "Electrician for seven years, mostly apartments and small shops in Durrës. I speak Italian from TV and work and learned German to B1.", True),
    ("RS", "RS", ["DE", "CZ", "SK"], [("welder", "zavarivač MAG", 8)],
     ["use welding equipment", "welding techniques", "perform metal inert gas welding", "apply arc welding techniques", "read standard blueprints"],
     ["flux-cored welding"],
     [N("sr"), L("de", "A2"), L("en", "A2")], 3, [Q("Welding certificate EN ISO 9606-1 (135)", 3, "RS", "not_required")], ["B"], "2027-01-05",
     "MAG welder with eight years in a steel structures workshop in Kragujevac. I have not done TIG welding yet.", True),
    ("BA", "BA", ["AT", "DE", "NL"], [("welder", "TIG/MIG welder", 11)],
     ["use welding equipment", "welding techniques", "perform tungsten inert gas welding", "perform metal inert gas welding",
      "read standard blueprints", "use measurement instruments"], [],
     [N("bs"), SUB("de", "B1", "B1", "B1", "B1", "A2"), L("en", "A2")], 3,
     [Q("Welding certificates EN ISO 9606-1 (141, 135)", 3, "BA", "not_required")], ["B"], "2026-12-01",
     "Eleven years of TIG and MIG welding, stainless steel and pipes, for a food-machinery maker in Tuzla.", True),
    ("MK", "MK", ["AT", "DE"], [("cook", "готвач", 6)],
     ["use cooking techniques", "cook meat dishes", "comply with food safety and hygiene", "bake goods", "work in teams"],
     ["grill", "Balkan cuisine"],
     [N("mk"), L("de", "A2"), L("en", "B1")], 3, [Q("Vocational diploma: cook", 3, "MK", "not_started")], [], "2027-04-15",
     "Cook in hotel kitchens in Ohrid for six summers and in a grill restaurant in winter. I want to work a ski season in Austria.", True),
    ("UA", "PL", ["DE", "CZ", "PL"], [("nurse responsible for general care", "медсестра хірургічного відділення", 12)],
     ["monitor patient's vital signs", "assist in the administration of medication to elderly", "hygiene in a health care setting",
      "provide basic support to patients", "provide first aid", "work in teams"], ["wound care", "post-operative care"],
     [N("uk"), L("ru", "C1"), L("pl", "B1"), L("de", "B1"), L("en", "A2")], 5,
     [Q("Diploma of junior specialist in nursing", 5, "UA", "in_progress")], [], "2027-02-01",
     "Surgical nurse for twelve years in Lviv, now living in Poland. My German is B1 and I have started recognition in Germany.", True),
    ("PH", "PH", ["DE", "NL", "BE"], [("nurse responsible for general care", "staff nurse, medical ward", 7)],
     ["monitor patient's vital signs", "assist in the administration of medication to elderly", "hygiene in a health care setting",
      "provide basic support to patients", "provide first aid", "tend to elderly people"], ["IV therapy"],
     [N("tl"), L("en", "C1"), SUB("de", "B2", "B2", "B2", "B2", "B2")], 6,
     [Q("Bachelor of Science in Nursing", 6, "PH", "recognised", ["DE"])], [], "2026-12-15",
     "Registered nurse with seven years on a medical ward in Cebu. My degree is recognised in Germany and I passed German B2.", True),
    ("PH", "PH", ["DE", "AT"], [("nurse responsible for general care", "ER nurse", 4)],
     ["monitor patient's vital signs", "provide first aid", "hygiene in a health care setting", "provide basic support to patients"], [],
     [N("tl"), L("en", "C1"), SUB("de", "B1", "B1", "A2", "B1", "A2")], 6,
     [Q("Bachelor of Science in Nursing", 6, "PH", "not_started")], [], "2027-05-01",
     "Emergency room nurse for four years in Quezon City. I am still learning German and have not started recognition yet.", True),
    ("IN", "IN", ["DE", "NL", "CZ"], [("software developer", "Python backend developer", 5)],
     ["computer programming", "Python", "SQL", "perform ICT troubleshooting", "work in teams"], ["Django", "Docker", "AWS"],
     [L("hi", native=True), L("en", "C1"), L("de", "A1")], 6, [Q("B.Tech Computer Science", 6, "IN", "not_required")], [], "2027-01-01",
     "Backend developer with five years of Python and SQL at a fintech in Pune. Interested in the EU Blue Card.", True),
    ("VN", "VN", ["DE", "HU", "PT"], [("software developer", "front-end developer", 3)],
     ["computer programming", "JavaScript", "SQL", "work in teams"], ["React", "TypeScript"],
     [N("vi"), L("en", "B2")], 6, [Q("Bachelor of Information Technology", 6, "VN", "not_required")], [], "2027-03-01",
     "Front-end developer in Hanoi, three years with JavaScript and React for e-commerce clients.", True),
    ("EG", "EG", ["DE", "IT"], [("civil engineer", "site engineer (roads)", 8)],
     ["civil engineering", "engineering principles", "use CAD software", "read standard blueprints", "use spreadsheets software"],
     ["Primavera scheduling"],
     [N("ar"), L("en", "B2"), L("de", "A2")], 6, [Q("BSc Civil Engineering", 6, "EG", "not_started")], ["B"], "2027-06-01",
     "Civil engineer from Alexandria with eight years on road and bridge projects. My degree is not yet recognised in Europe.", True),
    ("TN", "TN", ["IT", "FR"], [("waiter/waitress", "serveur", 5)],
     ["serve food in table service", "serve beverages", "take food and beverage orders from customers", "greet guests", "customer service"], [],
     [N("ar"), L("fr", "C1"), L("it", "B1"), L("en", "A2")], 3, [], [], "2027-04-01",
     "Waiter in beach hotels in Hammamet for five seasons. I speak French and Italian with guests every day.", True),
    ("MA", "MA", ["ES", "FR", "IT"], [("fruit and vegetable picker", "ouvrière agricole (fraises)", 3)],
     ["harvest crop", "apply health and safety when picking", "work in teams"], [],
     [N("ar"), L("fr", "B1"), L("es", "A2")], 1, [], [], "2027-01-20",
     "I picked strawberries in the Gharb region for three seasons and want to go to Huelva with the collective recruitment programme.", True),
    ("MA", "MA", ["ES", "PT", "FR"], [("building construction worker", "ouvrier de chantier", 6)],
     ["work in a construction team", "follow health and safety procedures in construction", "use safety equipment in construction", "lay bricks"],
     ["formwork"],
     [N("ar"), L("fr", "B2"), L("es", "A2")], 2, [], ["B"], "2027-02-15",
     "Six years as a building worker in Casablanca, mostly masonry and concrete. I have my own safety shoes and helmet.", True),
    ("LK", "LK", ["IT", "PT", "CZ"], [("room attendant", "housekeeping attendant", 4)],
     ["conduct cleaning tasks", "maintain personal hygiene standards", "manage time", "operate floor cleaning equipment"], [],
     [L("si", native=True), L("en", "B1"), L("it", "A2")], 3, [], [], "2027-03-01",
     "Room attendant in a 5-star hotel in Colombo for four years. Trained in hotel housekeeping standards.", True),
    ("PH", "PH", ["AT", "NL"], [("room attendant", "room attendant / chambermaid", 6)],
     ["conduct cleaning tasks", "maintain personal hygiene standards", "manage time", "customer service"], [],
     [N("tl"), L("en", "B2"), L("de", "A1")], 3, [], [], "2026-12-01",
     "Hotel room attendant for six years in Boracay and on a cruise ship. I have only just started German.", True),
    ("NP", "NP", ["PL", "CZ", "HU", "NL"], [("warehouse worker", "store keeper", 4)],
     ["stack goods", "load cargo", "warehouse operations", "operate forklift", "use spreadsheets software"], [],
     [N("ne"), L("hi", "B1"), L("en", "B1")], 3, [], ["B"], "2026-12-15",
     "Store keeper in a cement depot in Kathmandu, four years. I also drove forklifts in Qatar for two years.", True),
    ("IN", "IN", ["NL", "PL", "CZ"], [("forklift operator", "forklift driver", 6)],
     ["operate forklift", "stack goods", "warehouse operations", "load cargo", "follow safety precautions in work practices"], ["reach truck"],
     [L("ta", native=True), L("en", "B1")], 2, [Q("Forklift operator certificate", 2, "IN", "not_started")], ["B"], "2027-01-15",
     "Forklift driver in a Chennai port warehouse and six years of shift work. I hold a forklift certificate from India.", True),
    ("UA", "CZ", ["DE", "CZ", "PL"], [("bus driver", "водій автобуса", 15)],
     ["drive vehicles", "obey traffic rules", "customer service", "provide first aid"], [],
     [N("uk"), L("ru", "C1"), L("cs", "B1"), L("pl", "B2"), L("de", "A2")], 3, [], ["B", "C", "D", "DE"], "2026-12-01",
     "City bus driver for fifteen years in Kharkiv, now in Brno. Categories D and DE, with a clean record.", True),
    ("GE", "GE", ["DE", "NL", "CZ"], [("delivery driver", "courier driver", 5)],
     ["drive vehicles", "obey traffic rules", "load cargo", "manage time"], ["van maintenance"],
     [N("ka"), L("ru", "B2"), L("de", "A2"), L("en", "A2")], 3, [], ["B", "C", "CE"], "2027-02-01",
     "Delivery driver in Tbilisi for five years, vans and small trucks.", True),
    ("MD", "MD", ["IT", "AT"], [("home care aide", "badantă", 8)],
     ["tend to elderly people", "maintain personal hygiene standards", "conduct cleaning tasks", "use cooking techniques",
      "provide basic support to patients"], [],
     [N("ro"), L("it", "B1"), L("ru", "B2")], 2, [], [], "2027-01-01",
     "I looked after an older lady in Padova for eight years as a live-in carer. I cook Italian food and I am patient.", True),
    ("UA", "UA", ["AT", "DE"], [("care at home worker", "соціальний робітник", 6)],
     ["tend to elderly people", "provide basic support to patients", "assist in the administration of medication to elderly", "manage time",
      "drive vehicles"], [],
     [N("uk"), L("ru", "C1"), L("de", "B1")], 4, [Q("Social worker certificate", 4, "UA", "not_started")], ["B"], "2027-03-01",
     "Home care worker for the city social service in Vinnytsia, visiting eight clients a day by car.", True),
    ("AL", "AL", ["IT", "AT"], [("waiter/waitress", "kamarier", 4), ("hospitality establishment receptionist", "receptionist", 2)],
     ["serve food in table service", "serve beverages", "greet guests", "customer service", "use spreadsheets software",
      "take food and beverage orders from customers"], [],
     [N("sq"), L("it", "C1"), L("en", "B2"), L("de", "A2")], 3, [], [], "2027-04-01",
     "Waiter and later receptionist in a hotel in Sarandë. Fluent Italian, good English, some German.", True),
    ("XK", "XK", ["DE", "AT", "SE"], [("tile fitter", "pllakaxhi", 7), ("construction painter", "bojaxhi", 3)],
     ["lay tiles", "use measurement instruments", "read standard blueprints", "paint surfaces", "work in a construction team"], [],
     [N("sq"), L("de", "A2")], 2, [], ["B"], "2027-01-15",
     "Tiler for seven years and painter before that. I prefer Germany or Sweden.", True),
    ("RS", "RS", ["DE", "AT", "NL"], [("carpenter", "tesar", 10)],
     ["read standard blueprints", "use measurement instruments", "work in a construction team",
      "follow health and safety procedures in construction", "use safety equipment in construction"], ["roof timber frames"],
     [N("sr"), L("de", "A2"), L("en", "A2")], 3, [Q("Vocational diploma: carpenter", 3, "RS", "not_started")], ["B"], "2027-02-15",
     "Carpenter with ten years on roofs and formwork around Novi Sad.", True),
    ("MK", "MK", ["DE", "AT"], [("plumber", "водоинсталатер", 9)],
     ["plumbing tools", "read standard blueprints", "follow health and safety procedures in construction", "use measurement instruments",
      "use welding equipment"], ["gas boiler servicing"],
     [N("mk"), SUB("de", "B1", "B1", "B1", "B1", "A2"), L("en", "A2")], 3, [], ["B"], "2027-01-01",
     "Plumber and heating installer for nine years in Skopje, new buildings and repairs.", True),
    ("BA", "BA", ["DE"], [("construction scaffolder", "skele monter", 3), ("building construction worker", "pomoćni radnik", 2)],
     ["use safety equipment in construction", "follow health and safety procedures in construction", "work in a construction team"], [],
     [N("bs"), L("de", "A1")], 2, [], [], "2026-12-01",
     "Scaffolder and site helper. I can start soon but my German is only beginner level.", True),
    ("AM", "AM", ["CZ", "DE", "NL"], [("ICT help desk agent", "IT support specialist", 4)],
     ["perform ICT troubleshooting", "customer service", "use spreadsheets software", "SQL"], ["Active Directory", "ITIL basics"],
     [N("hy"), L("ru", "C1"), L("en", "B2")], 6, [Q("Bachelor in Informatics", 6, "AM", "not_required")], [], "2027-01-15",
     "Four years of first and second level IT support for a bank in Yerevan, in English and Russian.", True),
    ("EG", "EG", ["DE", "AT"], [("interpreter", "Arabic–German interpreter", 6)],
     ["interpret spoken language between two parties", "translate foreign language", "demonstrate intercultural competence"], [],
     [N("ar"), L("de", "C1"), L("en", "C1")], 6, [Q("BA German Language and Literature", 6, "EG", "recognised", ["DE"])], [], "2027-01-01",
     "Interpreter and translator for six years in Cairo, German and Arabic, with medical and legal texts.", True),
    ("TN", "TN", ["DE", "FR", "CZ"], [("mechanical engineer", "ingénieur mécanique", 5)],
     ["principles of mechanical engineering", "engineering principles", "use CAD software", "read standard blueprints"], ["SolidWorks"],
     [N("ar"), L("fr", "C1"), L("en", "B2"), L("de", "A2")], 7, [Q("Diplôme d'ingénieur en génie mécanique", 7, "TN", "in_progress")], ["B"],
     "2027-03-01", "Mechanical design engineer for packaging machines, five years in Sfax.", True),
    ("MA", "MA", ["BE", "FR", "NL"], [("child care worker", "éducatrice de la petite enfance", 5)],
     ["attend to children's basic physical needs", "supervise children", "provide first aid", "demonstrate intercultural competence"], [],
     [N("ar"), L("fr", "C1"), L("nl", "A1")], 4, [Q("Diplôme de technicienne en éducation préscolaire", 4, "MA", "not_started")], [],
     "2027-02-01", "Five years in a crèche in Rabat with children from one to four years old.", True),
    ("PH", "PH", ["CZ", "HU", "PL", "ES"], [("language school teacher", "ESL teacher", 8)],
     ["teach ESOL language class", "perform classroom management", "demonstrate intercultural competence"], ["online teaching"],
     [N("tl"), L("en", "C2")], 6, [Q("Bachelor of Secondary Education, major in English", 6, "PH", "not_started")], [], "2027-01-01",
     "English teacher for eight years, in schools and online for adult learners from Asia and Europe.", True),
    ("VN", "VN", ["CZ", "SK", "HU"], [("sewing machine operator", "công nhân may", 7)],
     ["sew pieces of fabric", "follow safety precautions in work practices", "manage time"], [],
     [N("vi"), L("cs", "A1"), L("en", "A1")], 2, [], [], "2027-01-01",
     "Sewing machine operator in a garment factory in Nam Định for seven years.", True),
    ("NP", "NP", ["PT", "IT"], [("cook", "line cook", 4)],
     ["use cooking techniques", "comply with food safety and hygiene", "cook meat dishes"], ["Nepali and Indian cuisine", "tandoor"],
     [N("ne"), L("en", "B1"), L("pt", "A1")], 2, [], [], "2027-02-15",
     "Cook in hotel kitchens in Pokhara and Dubai. I would like to work in Portugal.", True),
    ("IN", "IN", ["PT", "NL"], [("kitchen porter", "kitchen helper", 3)],
     ["wash the dishes", "comply with food safety and hygiene", "maintain personal hygiene standards", "conduct cleaning tasks"], [],
     [L("ml", native=True), L("en", "B1")], 2, [], [], "2027-01-10",
     "Kitchen helper in a restaurant in Kochi for three years.", True),
    ("LK", "LK", ["IT", "NL", "HU"], [("livestock worker", "dairy farm worker", 5)],
     ["feed livestock", "milk animals", "drive agricultural machines"], ["calf rearing"],
     [L("ta", native=True), L("en", "A2"), L("it", "A2")], 2, [], ["B", "T"], "2027-03-01",
     "Dairy farm worker for five years in Nuwara Eliya, with machine milking.", True),
    ("GE", "GE", ["DE", "AT"], [("nurse assistant", "ექთნის თანაშემწე", 3)],
     CARE_BASIC, [],
     [N("ka"), L("ru", "B2"), SUB("de", "B1", "B1", "A2", "A2", "B1")], 3, [], [], "2027-02-01",
     "Nursing assistant in a Tbilisi clinic. I read German well but speaking is still hard for me.", True),
    ("MD", "MD", ["CZ", "SK"], [("building construction worker", "muncitor în construcții", 5)],
     ["work in a construction team", "follow health and safety procedures in construction", "use safety equipment in construction", "load cargo"], [],
     [N("ro"), L("ru", "C1"), L("cs", "A1"), L("en", "A1")], 2, [], ["B"], "2026-12-15",
     "Construction helper for five years, in Moldova and in Russia.", True),
    ("UA", "SK", ["CZ", "SK", "PL"], [("electrician", "електрик", 9)],
     ["install electrical and electronic equipment", "use electrical wire tools", "read standard blueprints", "follow safety precautions in work practices"],
     [],
     [N("uk"), L("ru", "C1"), L("sk", "B1"), L("cs", "B1"), L("pl", "A2")], 3, [Q("Electrician qualification", 3, "UA", "partial")], ["B"],
     "2026-11-15", "Industrial electrician, nine years in a factory in Zaporizhzhia, now in Košice.", True),
    ("AL", "AL", ["IT", "AT"], [("chef", "kuzhinier", 10)],
     ["use cooking techniques", "cook meat dishes", "comply with food safety and hygiene", "manage time", "bake goods"], ["pasta fresca", "seafood"],
     [N("sq"), L("it", "B2"), L("en", "B1")], 3, [], [], "2027-03-15",
     "Chef de partie in restaurants in Tirana and Vlorë, ten years. Italian and Mediterranean cuisine.", True),
    ("PH", "PH", ["IT", "ES", "NO"], [("home care aide", "caregiver", 5)],
     ["tend to elderly people", "maintain personal hygiene standards", "conduct cleaning tasks", "provide basic support to patients",
      "provide first aid"], [],
     [N("tl"), L("en", "C1"), L("it", "A2")], 4, [Q("Caregiving NC II", 4, "PH", "not_started")], [], "2027-01-01",
     "Caregiver for five years in Hong Kong. I would like Italy, Spain or Norway.", True),
    ("IN", "IN", ["IE", "GB"], [("nurse responsible for general care", "staff nurse", 6)],
     ["monitor patient's vital signs", "assist in the administration of medication to elderly", "hygiene in a health care setting",
      "provide first aid"], [],
     [L("ml", native=True), L("en", "C1")], 6, [Q("B.Sc. Nursing", 6, "IN", "in_progress")], [], "2027-02-01",
     "Staff nurse for six years in Kerala, preparing for work in Ireland or the UK.", True),
    ("XK", "XK", ["DE"], [("security guard", "roje sigurie", 4), ("sales assistant", "shitës", 2)],
     ["patrol areas", "follow safety precautions in work practices", "customer service", "operate cash register"], [],
     [N("sq"), L("de", "B1")], 3, [], ["B"], "2027-01-01",
     "Security guard at a shopping centre in Prishtina, before that sales assistant.", False),
    ("BD", "BD", ["IT"], [("fruit and vegetable picker", "farm labourer", 4)],
     ["harvest crop", "apply health and safety when picking", "irrigate soil"], [],
     [N("bn"), L("en", "A2"), L("it", "A1")], 1, [], [], "2027-03-01",
     "Farm labourer in Bogura, rice and vegetables, four years.", True),
    ("SN", "SN", ["ES", "FR"], [("fruit and vegetable picker", "ouvrier agricole maraîcher", 3)],
     ["harvest crop", "apply health and safety when picking", "work in teams", "irrigate soil"], [],
     [N("wo"), L("fr", "B2"), L("es", "A1")], 2, [], [], "2027-01-15",
     "Market gardening near Thiès for three years, onions and tomatoes.", True),
    ("EG", "EG", ["FR", "CZ", "SK"], [("butcher", "جزار", 7)],
     ["comply with food safety and hygiene", "maintain personal hygiene standards", "follow safety precautions in work practices"], ["halal slaughter"],
     [N("ar"), L("fr", "A2"), L("en", "A2")], 2, [], [], "2027-02-01",
     "Butcher for seven years in a meat shop and a processing plant in Giza.", True),
    ("TN", "TN", ["FR", "DE", "BE"], [("baker", "boulanger", 8)],
     ["bake goods", "comply with food safety and hygiene", "maintain personal hygiene standards", "manage time"], ["viennoiserie"],
     [N("ar"), L("fr", "C1"), L("de", "A1")], 3, [Q("Certificat d'aptitude professionnelle: boulangerie", 3, "TN", "not_started")], [],
     "2027-01-15", "Baker for eight years in Sousse, bread and French pastries.", True),
    ("MK", "MK", ["DE", "AT"], [("bus driver", "возач на автобус", 12)],
     ["drive vehicles", "obey traffic rules", "customer service", "manage time"], [],
     [N("mk"), L("de", "B1"), L("en", "A2")], 3, [], ["B", "C", "CE", "D"], "2027-01-01",
     "Intercity bus driver for twelve years, Skopje–Ohrid line.", False),
    ("RS", "RS", ["DE", "AT", "SK"], [("forklift operator", "viljuškarista", 5), ("warehouse worker", "magacioner", 3)],
     ["operate forklift", "stack goods", "warehouse operations", "load cargo"], [],
     [N("sr"), L("de", "B1"), L("en", "A2")], 3, [], ["B", "C"], "2026-12-15",
     "Forklift driver and warehouse worker in a logistics centre near Belgrade.", False),
    ("VN", "VN", ["DE"], [("nurse assistant", "điều dưỡng", 3)],
     CARE_BASIC + ["monitor patient's vital signs"], [],
     [N("vi"), L("de", "B1"), L("en", "A2")], 5, [Q("College diploma in nursing", 5, "VN", "partial", [])], [], "2027-04-01",
     "Nurse from Hue with a college diploma. Recognition as a nurse in Germany is partial, so I want to start as a nursing assistant.", True),
    ("PH", "PH", ["NL", "PT"], [("software developer", "full stack developer", 4), ("ICT help desk agent", "tech support", 2)],
     ["computer programming", "JavaScript", "SQL", "Python", "perform ICT troubleshooting", "customer service"], ["Node.js"],
     [N("tl"), L("en", "C1")], 6, [Q("BS Computer Science", 6, "PH", "not_required")], [], "2027-02-01",
     "Full stack developer in Makati for four years, before that two years in technical support.", True),
    ("MD", "MD", ["IT", "AT"], [("domestic cleaner", "menajeră", 6)],
     ["conduct cleaning tasks", "maintain personal hygiene standards", "manage time", "operate floor cleaning equipment"], ["ironing"],
     [N("ro"), L("it", "B2"), L("ru", "B1")], 2, [], [], "2026-12-01",
     "Cleaner in private homes and offices in Bologna for six years, back in Moldova now.", True),
    ("UA", "UA", ["PL", "CZ", "DE"], [("child care worker", "вихователька дитячого садка", 10)],
     ["attend to children's basic physical needs", "supervise children", "provide first aid"], [],
     [N("uk"), L("pl", "B2"), L("de", "A2")], 6, [Q("Bachelor in Preschool Education", 6, "UA", "not_started")], [], "2027-01-15",
     "Kindergarten teacher in Lutsk for ten years.", False),
    ("AL", "AL", ["IT", "AT"], [("hairdresser", "parukiere", 6)],
     ["apply hair cutting techniques", "customer service", "maintain personal hygiene standards"], ["hair colouring"],
     [N("sq"), L("it", "B1"), L("de", "A2")], 3, [], [], "2027-03-01",
     "Hairdresser with my own small salon in Shkodër for six years.", True),
    ("GE", "GE", ["DE", "AT"], [("livestock worker", "მეცხოველე", 6), ("mixed farmer", "farmer", 4)],
     ["feed livestock", "milk animals", "drive agricultural machines", "harvest crop", "irrigate soil"], ["cheese making"],
     [N("ka"), L("ru", "B1"), L("de", "A2")], 3, [], ["B", "T"], "2027-02-15",
     "I keep cows and grow maize on our family farm in Samtskhe-Javakheti.", True),
]


def build_profiles() -> list[dict]:
    rows = []
    for number, item in enumerate(PROFILES, start=1):
        (origin, residence, destinations, occupations, skills, free_text, langs, isced, quals, licences, available, summary,
         consent) = item
        rows.append({
            "external_id": f"demo-prof-{number:02d}",
            "owner": f"demo-migrant-{number:02d}",
            "consent_to_matching": consent,
            "origin_countries": [origin],
            "residence_country": residence,
            "destination_countries": destinations,
            "occupations": [{"uri": occ(label) if label else None, "title": title, "years": years} for label, title, years in occupations],
            "skills": [sk(s) for s in skills],
            "free_text_skills": free_text,
            "languages": langs,
            "education_level": isced,
            "qualifications": quals,
            "driving_licences": licences,
            "available_from": available,
            "summary": summary,
        })
    return rows


# ---------------------------------------------------------------------------- service offers

OFFER_LIST: list[dict] = [
    {"provider": "Limba Nouă Language Centre", "kind": "language_course", "title": "German for care workers, A1 to B1",
     "description": "Evening course with care vocabulary, role plays with residents and a telc B1 exam at the end. Funded for participants referred by the MRC.",
     "country": "MD", "languages": ["ro", "ru", "de"], "language_taught": "de", "level_reached": "B1", "destination_countries": ["DE", "AT"],
     "mode": "in_person", "cost": 0, "duration_weeks": 30},
    {"provider": "Sprachbrücke Online gGmbH", "kind": "language_course", "title": "German A2 for seasonal and farm work",
     "description": "Short live online classes twice a week: safety words, working time, pay slips and everyday talk with the farm team.",
     "country": "DE", "languages": ["de", "en", "ru", "ka"], "language_taught": "de", "level_reached": "A2", "destination_countries": ["DE", "AT"],
     "mode": "online", "cost": 0, "duration_weeks": 10},
    {"provider": "Centro Culturale Mediterraneo Rabat", "kind": "language_course", "title": "Italiano A2 per il lavoro",
     "description": "Italian for work in agriculture, hospitality and care, with a practice module on contracts and safety.",
     "country": "MA", "languages": ["ar", "fr", "it"], "language_taught": "it", "level_reached": "A2", "destination_countries": ["IT"],
     "mode": "in_person", "cost": 0, "duration_weeks": 12},
    {"provider": "Dar Al Lugha Tunis", "kind": "language_course", "title": "Italian B1 for hotel and restaurant staff",
     "description": "Italian at B1 with hospitality vocabulary: taking orders, guest complaints, reception phone calls.",
     "country": "TN", "languages": ["ar", "fr", "it"], "language_taught": "it", "level_reached": "B1", "destination_countries": ["IT"],
     "mode": "blended", "cost": 90, "cost_currency": "EUR", "duration_weeks": 16},
    {"provider": "Taalhuis Online B.V.", "kind": "language_course", "title": "Dutch A2 for newcomers at work",
     "description": "Dutch for warehouse, greenhouse and care jobs, with weekly speaking practice in small groups.",
     "country": "NL", "languages": ["nl", "en"], "language_taught": "nl", "level_reached": "A2", "destination_countries": ["NL", "BE"],
     "mode": "online", "cost": 180, "cost_currency": "EUR", "duration_weeks": 14},
    {"provider": "Himalayan Skills Academy", "kind": "language_course", "title": "Workplace English B2 for IT professionals",
     "description": "English for meetings, tickets and code reviews, with a mock job interview with a European employer.",
     "country": "NP", "languages": ["ne", "en"], "language_taught": "en", "level_reached": "B2", "destination_countries": ["DE", "NL", "CZ"],
     "mode": "blended", "cost": 15000, "cost_currency": "NPR", "duration_weeks": 12},
    {"provider": "Bayanihan Language Institute", "kind": "language_course", "title": "German B2 for nurses (exam preparation)",
     "description": "Intensive German with nursing terminology, shift handovers and documentation, preparing for the B2 exam required for recognition.",
     "country": "PH", "languages": ["tl", "en", "de"], "language_taught": "de", "level_reached": "B2", "destination_countries": ["DE", "AT"],
     "mode": "in_person", "cost": 0, "duration_weeks": 36},
    {"provider": "Qendra e Zhvillimit Profesional Prishtinë", "kind": "skills_assessment", "title": "Practical skills check for construction trades",
     "description": "One-day practical test for bricklayers, tilers, carpenters and painters, with a written report employers in Germany and Austria accept for interviews.",
     "country": "XK", "languages": ["sq", "de"], "skills_taught": [], "destination_countries": ["DE", "AT"],
     "mode": "in_person", "cost": 0, "duration_weeks": 1},
    {"provider": "Varilački Centar Tuzla", "kind": "vocational_training", "title": "TIG welding of stainless steel",
     "description": "Hands-on course for MAG welders who want to add TIG, ending with a certification test to EN ISO 9606-1.",
     "country": "BA", "languages": ["bs", "sr", "de"], "skills_taught": ["perform tungsten inert gas welding", "welding techniques", "use welding equipment"],
     "destination_countries": ["DE", "AT", "CZ", "SK"], "mode": "in_person", "cost": 450, "cost_currency": "EUR", "duration_weeks": 6},
    {"provider": "Bayanihan Migrant Help Desk", "kind": "recognition", "title": "Recognition support for nurses",
     "description": "Advisers check your documents, explain the recognition steps of the destination and help you prepare the application and translations.",
     "country": "PH", "languages": ["tl", "en"], "destination_countries": ["DE", "NL", "BE", "AT"], "mode": "blended", "cost": 0},
    {"provider": "Nile Careers Foundation", "kind": "recognition", "title": "Degree recognition advice for engineers",
     "description": "Help with the comparability statement for engineering degrees and with finding the right authority in Germany.",
     "country": "EG", "languages": ["ar", "en", "de"], "destination_countries": ["DE"], "mode": "online", "cost": 0},
    {"provider": "Centrul de Formare Grija", "kind": "vocational_training", "title": "Basic course in elderly care",
     "description": "Twelve weeks of theory and practice in a care home: personal care, hygiene, first aid and basic health checks.",
     "country": "MD", "languages": ["ro", "ru"],
     "skills_taught": ["tend to elderly people", "maintain personal hygiene standards", "hygiene in a health care setting", "provide first aid",
                       "monitor patient's vital signs", "provide basic support to patients"],
     "destination_countries": ["DE", "AT", "IT"], "mode": "in_person", "cost": 0, "duration_weeks": 12},
    {"provider": "Himalayan Skills Academy", "kind": "vocational_training", "title": "Forklift and warehouse operations",
     "description": "Safe forklift driving, stacking and loading, with a practical test in a partner warehouse.",
     "country": "NP", "languages": ["ne", "en"], "skills_taught": ["operate forklift", "stack goods", "load cargo", "warehouse operations"],
     "destination_countries": ["PL", "CZ", "HU", "NL"], "mode": "in_person", "cost": 9000, "cost_currency": "NPR", "duration_weeks": 3},
    {"provider": "Institut Hôtelier de Sousse", "kind": "vocational_training", "title": "Restaurant service for the European season",
     "description": "Table service, drinks, taking orders and welcoming guests, with two weeks of practice in a partner hotel.",
     "country": "TN", "languages": ["ar", "fr"],
     "skills_taught": ["serve food in table service", "serve beverages", "take food and beverage orders from customers", "greet guests"],
     "destination_countries": ["IT", "FR"], "mode": "in_person", "cost": 0, "duration_weeks": 6},
    {"provider": "Agro Training Centre Kakheti", "kind": "vocational_training", "title": "Farm machinery and safe harvesting",
     "description": "Tractor driving, safe picking and irrigation basics for people going to seasonal work.",
     "country": "GE", "languages": ["ka", "ru"],
     "skills_taught": ["drive agricultural machines", "apply health and safety when picking", "harvest crop", "irrigate soil"],
     "destination_countries": ["DE"], "mode": "in_person", "cost": 0, "duration_weeks": 2},
    {"provider": "MRC Chișinău", "kind": "orientation", "title": "Living and working in Germany and Austria",
     "description": "Two-day session on work contracts, pay slips, health insurance, housing, workers' rights and where to get help after arrival.",
     "country": "MD", "languages": ["ro", "ru"], "destination_countries": ["DE", "AT"], "mode": "in_person", "cost": 0, "duration_weeks": 1},
    {"provider": "MRC Prishtina", "kind": "orientation", "title": "Before you leave: work in Germany under the Western Balkans regulation",
     "description": "What the route requires, how to check an offer is genuine, and what your employer must pay for.",
     "country": "XK", "languages": ["sq", "sr"], "destination_countries": ["DE"], "mode": "in_person", "cost": 0, "duration_weeks": 1},
    {"provider": "MRC Rabat", "kind": "orientation", "title": "Seasonal work in Spain and Italy: contracts, pay and return",
     "description": "Orientation for seasonal workers selected through collective recruitment: travel, accommodation, pay and the return commitment.",
     "country": "MA", "languages": ["ar", "fr"], "destination_countries": ["ES", "IT"], "mode": "in_person", "cost": 0, "duration_weeks": 1},
    {"provider": "MRC Manila", "kind": "orientation", "title": "Pre-departure orientation for work in the EU",
     "description": "Online seminar on culture, climate, workplace habits, rights and contacts of Filipino communities in Europe.",
     "country": "PH", "languages": ["tl", "en"], "destination_countries": ["DE", "NL", "AT", "IT", "CZ"], "mode": "online", "cost": 0,
     "duration_weeks": 1},
    {"provider": "Dovira Career Centre", "kind": "orientation", "title": "Working in Czechia, Slovakia and Poland",
     "description": "Rights at work, the employee card, safe agencies and how to avoid recruitment fees.",
     "country": "UA", "languages": ["uk", "ru"], "destination_countries": ["CZ", "SK", "PL"], "mode": "blended", "cost": 0, "duration_weeks": 1},
    {"provider": "CodeBridge Assessments", "kind": "skills_assessment", "title": "Coding skills assessment for developers",
     "description": "Online test in Python, JavaScript and SQL with a short interview in English; the result can be shared with employers.",
     "country": "IN", "languages": ["en"], "skills_taught": [], "destination_countries": ["DE", "NL", "CZ", "PT"], "mode": "online", "cost": 0,
     "duration_weeks": 1},
    {"provider": "Qendra Gjuhësore Tirana", "kind": "language_course", "title": "German A2 for construction workers",
     "description": "Evening German with site vocabulary, safety instructions and phone calls with the foreman.",
     "country": "AL", "languages": ["sq", "de"], "language_taught": "de", "level_reached": "A2", "destination_countries": ["DE", "AT"],
     "mode": "in_person", "cost": 60, "cost_currency": "EUR", "duration_weeks": 16},
    {"provider": "Lusofonia Online", "kind": "language_course", "title": "Portuguese A2 for farm and hotel workers",
     "description": "Live online Portuguese for people recruited under the mobility agreements, with practice on contracts and safety.",
     "country": "IN", "languages": ["en", "hi", "pt"], "language_taught": "pt", "level_reached": "A2", "destination_countries": ["PT"],
     "mode": "online", "cost": 0, "duration_weeks": 10},
    {"provider": "Qendra e Formimit Profesional Durrës", "kind": "vocational_training", "title": "Electrical installations to EU standards",
     "description": "Refresher for electricians: installation rules, testing and safe work, with German technical terms.",
     "country": "AL", "languages": ["sq", "de"],
     "skills_taught": ["install electrical and electronic equipment", "use electrical wire tools", "follow safety precautions in work practices",
                       "read standard blueprints"],
     "destination_countries": ["DE", "AT", "IT"], "mode": "in_person", "cost": 0, "duration_weeks": 8},
    {"provider": "Centre Linguistique Dakar", "kind": "language_course", "title": "Espagnol A2 pour travailleurs saisonniers",
     "description": "Spanish for the harvest: work instructions, safety, pay slips and daily life in a rural town.",
     "country": "SN", "languages": ["fr", "wo", "es"], "language_taught": "es", "level_reached": "A2", "destination_countries": ["ES"],
     "mode": "in_person", "cost": 0, "duration_weeks": 8},
    {"provider": "Pokhara Culinary School", "kind": "vocational_training", "title": "European kitchen basics and food hygiene",
     "description": "Cooking methods, meat preparation and food safety rules used in European restaurant kitchens.",
     "country": "NP", "languages": ["ne", "en"],
     "skills_taught": ["use cooking techniques", "cook meat dishes", "comply with food safety and hygiene"],
     "destination_countries": ["PT", "IT"], "mode": "in_person", "cost": 12000, "cost_currency": "NPR", "duration_weeks": 8},
]


def build_offers() -> list[dict]:
    rows = []
    for number, item in enumerate(OFFER_LIST, start=1):
        row = {"external_id": f"demo-offer-{number:02d}", **item}
        row["skills_taught"] = [sk(s) for s in item.get("skills_taught", [])]
        row["url"] = f"https://demo.headstart.example/offers/demo-offer-{number:02d}"
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------- main


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def main() -> None:
    vacancies = build_vacancies()
    pairs = add_duplicates(vacancies)
    write_jsonl(HERE / "vacancies.jsonl", vacancies)
    write_jsonl(HERE / "profiles.jsonl", build_profiles())
    write_jsonl(HERE / "offers.jsonl", build_offers())
    print(f"{len(vacancies)} vacancies, {len(PROFILES)} profiles, {len(OFFER_LIST)} offers")
    print("duplicate pairs:", ", ".join(f"{a} = {b}" for a, b in pairs))


if __name__ == "__main__":
    main()
