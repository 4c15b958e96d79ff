"""Realistic, deterministic demo data, written set-based with COPY.

The same seed and anchor give the same customers, interests and orders.
Rows are generated in chunks of customers (each with its orders), so memory stays bounded;
the only per-customer state kept for the whole run is 13 bytes (order weight and count).
Customer metrics are computed while the orders are generated, so that the recompute that
follows finds them right and does not have to rewrite a million rows.
"""

import enum
import functools
import json
import math
import queue
import random
import threading
import time
import unicodedata
from array import array
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import ImproperlyConfigured
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max

from segmentation.customers.metrics import recompute_customer_metrics
from segmentation.customers.models import Customer, CustomerInterest, Interest, Order
from segmentation.segments import facts

CUSTOMER_ID_PREFIX = "CUS-"
ORDER_ID_PREFIX = "ORD-"
HISTORY_DAYS = 3 * 365  # customers signed up over the last three years
EMAIL_DOMAINS = ("example.com", "example.com", "example.org", "example.net")

# ---------------------------------------------------------------------------------------------
# Reference data.
# ---------------------------------------------------------------------------------------------

# fmt: off
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # language: (female first names, male first names, last names)
    "de": (
        ("Anna", "Lena", "Julia", "Sophie", "Laura", "Katharina", "Sabine", "Petra", "Monika",
         "Claudia", "Hannah", "Lea", "Marie", "Ursula", "Jana", "Franziska"),
        ("Lukas", "Jonas", "Maximilian", "Felix", "Paul", "Thomas", "Michael", "Andreas", "Stefan",
         "Jürgen", "Klaus", "Tobias", "Sebastian", "Florian", "Matthias", "Uwe"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
         "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder",
         "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange",
         "Werner", "Krause", "Lehmann", "Köhler", "Huber"),
    ),
    "fr": (
        ("Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Sarah", "Julie", "Marie", "Nathalie",
         "Isabelle", "Sophie", "Céline", "Claire", "Élodie", "Margaux"),
        ("Lucas", "Hugo", "Louis", "Gabriel", "Thomas", "Nicolas", "Julien", "Antoine", "Pierre",
         "François", "Mathieu", "Alexandre", "Olivier", "Étienne", "Théo", "Maxime"),
        ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
         "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
         "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert",
         "Bonnet", "François", "Faure", "Rousseau"),
    ),
    "en": (
        ("Olivia", "Emily", "Amelia", "Isla", "Jessica", "Sophie", "Charlotte", "Grace", "Emma",
         "Hannah", "Sarah", "Rachel", "Megan", "Lucy", "Ava", "Chloe"),
        ("Oliver", "Jack", "Harry", "George", "Charlie", "James", "William", "Thomas", "Daniel",
         "Michael", "David", "Matthew", "Ryan", "Liam", "Noah", "Ethan"),
        ("Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
         "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards",
         "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood",
         "Turner", "Martin", "Cooper", "Murphy", "O'Brien", "Kelly"),
    ),
    "nl": (
        ("Emma", "Julia", "Sophie", "Anna", "Tess", "Sanne", "Lotte", "Fleur", "Eva", "Lisa",
         "Femke", "Ingrid", "Marieke", "Anouk", "Noor", "Saskia"),
        ("Daan", "Sem", "Lucas", "Levi", "Thijs", "Jesse", "Bram", "Ruben", "Jeroen", "Pieter",
         "Sander", "Joost", "Wouter", "Martijn", "Bas", "Niels"),
        ("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
         "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters",
         "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf",
         "van der Meer", "Maes", "Peeters", "Willems", "Claes"),
    ),
    "es": (
        ("Lucía", "María", "Paula", "Sofía", "Carmen", "Laura", "Marta", "Ana", "Elena",
         "Cristina", "Isabel", "Alba", "Sara", "Julia", "Irene", "Pilar"),
        ("Hugo", "Pablo", "Daniel", "Alejandro", "David", "Javier", "Carlos", "Manuel", "Antonio",
         "José", "Sergio", "Jorge", "Álvaro", "Diego", "Adrián", "Miguel"),
        ("García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez",
         "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez",
         "Romero", "Alonso", "Gutiérrez", "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos",
         "Gil", "Serrano", "Blanco", "Castro", "Ortega"),
    ),
    "it": (
        ("Giulia", "Sofia", "Aurora", "Alice", "Martina", "Chiara", "Francesca", "Sara",
         "Valentina", "Elena", "Alessia", "Federica", "Paola", "Giorgia", "Anna", "Laura"),
        ("Leonardo", "Francesco", "Alessandro", "Lorenzo", "Matteo", "Andrea", "Marco", "Luca",
         "Giuseppe", "Davide", "Simone", "Stefano", "Roberto", "Paolo", "Riccardo", "Giovanni"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
         "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano",
         "Rizzo", "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi",
         "Caruso", "Ferrara", "Galli", "Martini", "Leone"),
    ),
    "pl": (
        ("Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Magdalena",
         "Joanna", "Zofia", "Aleksandra", "Natalia", "Julia", "Karolina", "Monika", "Paulina"),
        ("Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Jan", "Michał", "Marcin", "Jakub",
         "Adam", "Łukasz", "Mateusz", "Kamil", "Wojciech", "Grzegorz", "Bartosz"),
        ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
         "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur",
         "Kwiatkowski", "Krawczyk", "Piotrowski", "Grabowski", "Nowakowski", "Pawłowski",
         "Michalski", "Król", "Wieczorek", "Jabłoński", "Wróbel"),
    ),
    "sv": (
        ("Alice", "Maja", "Elsa", "Astrid", "Wilma", "Ebba", "Anna", "Eva", "Karin", "Kristina",
         "Lena", "Sara", "Emma", "Ingrid", "Linnea", "Klara"),
        ("Lars", "Erik", "Anders", "Johan", "Karl", "Per", "Nils", "Oscar", "William", "Lucas",
         "Hugo", "Axel", "Gustav", "Magnus", "Mikael", "Fredrik"),
        ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
         "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson",
         "Bengtsson", "Lindberg", "Lindström", "Lindqvist", "Berg", "Bergström", "Lundberg",
         "Sjöberg", "Wallin", "Engström", "Håkansson"),
    ),
    "da": (
        ("Ida", "Emma", "Freja", "Clara", "Sofie", "Anne", "Mette", "Kirsten", "Hanne", "Louise",
         "Camilla", "Maria", "Karen", "Julie", "Signe", "Line"),
        ("William", "Noah", "Oscar", "Lucas", "Magnus", "Søren", "Jens", "Niels", "Henrik", "Lars",
         "Mads", "Rasmus", "Frederik", "Christian", "Mikkel", "Anders"),
        ("Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen",
         "Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen",
         "Thomsen", "Christiansen", "Poulsen", "Johansen", "Møller", "Mortensen"),
    ),
    "pt": (
        ("Maria", "Ana", "Beatriz", "Mariana", "Inês", "Leonor", "Matilde", "Carolina", "Joana",
         "Sofia", "Rita", "Catarina", "Sara", "Marta", "Teresa", "Francisca"),
        ("João", "Francisco", "Rodrigo", "Martim", "Santiago", "Tomás", "Pedro", "Miguel", "Tiago",
         "Diogo", "Rui", "Nuno", "Luís", "André", "Ricardo", "Duarte"),
        ("Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins",
         "Jesus", "Sousa", "Fernandes", "Gonçalves", "Gomes", "Lopes", "Marques", "Alves",
         "Almeida", "Ribeiro", "Pinto", "Carvalho", "Teixeira", "Moreira", "Correia", "Mendes",
         "Nunes"),
    ),
}
# fmt: on


@dataclass(frozen=True)
class City:
    region: str
    name: str
    postal: str  # pattern: '#' a digit, '?' an upper-case letter, anything else literal
    language: str = ""  # overrides the country's language (Switzerland, Belgium)


@dataclass(frozen=True)
class Country:
    code: str
    weight: int
    language: str
    median_income: int  # yearly, EUR
    phone_prefixes: tuple[str, ...]
    phone_digits: int  # digits after the prefix
    cities: tuple[City, ...]
    ios_share: float = 0.45  # of mobile phones


def _cities(*rows: tuple[str, ...]) -> tuple[City, ...]:
    return tuple(City(*row) for row in rows)


COUNTRIES: tuple[Country, ...] = (
    Country("DE", 22, "de", 43000, ("+49151", "+49160", "+49170", "+49176"), 8, _cities(
        ("Bayern", "München", "80###"), ("Bayern", "Nürnberg", "90###"),
        ("Berlin", "Berlin", "10###"), ("Hamburg", "Hamburg", "20###"),
        ("Nordrhein-Westfalen", "Köln", "50###"), ("Nordrhein-Westfalen", "Düsseldorf", "40###"),
        ("Nordrhein-Westfalen", "Dortmund", "44###"), ("Hessen", "Frankfurt am Main", "60###"),
        ("Baden-Württemberg", "Stuttgart", "70###"), ("Sachsen", "Leipzig", "04###"),
        ("Sachsen", "Dresden", "01###"), ("Niedersachsen", "Hannover", "30###"),
    ), ios_share=0.38),
    Country("FR", 13, "fr", 37000, ("+336", "+337"), 8, _cities(
        ("Île-de-France", "Paris", "750##"), ("Auvergne-Rhône-Alpes", "Lyon", "6900#"),
        ("Provence-Alpes-Côte d'Azur", "Marseille", "130##"),
        ("Provence-Alpes-Côte d'Azur", "Nice", "06###"), ("Occitanie", "Toulouse", "31###"),
        ("Nouvelle-Aquitaine", "Bordeaux", "33###"), ("Hauts-de-France", "Lille", "59###"),
        ("Grand Est", "Strasbourg", "67###"), ("Pays de la Loire", "Nantes", "44###"),
    )),
    Country("GB", 12, "en", 39000, ("+447",), 9, _cities(
        ("Greater London", "London", "SW# #??"), ("Greater London", "London", "E# #??"),
        ("Greater London", "London", "N# #??"), ("Greater Manchester", "Manchester", "M## #??"),
        ("West Midlands", "Birmingham", "B## #??"), ("South West England", "Bristol", "BS# #??"),
        ("Yorkshire", "Leeds", "LS# #??"), ("Scotland", "Edinburgh", "EH# #??"),
        ("Scotland", "Glasgow", "G## #??"), ("Wales", "Cardiff", "CF## #??"),
        ("Northern Ireland", "Belfast", "BT# #??"),
    ), ios_share=0.52),
    Country("NL", 6, "nl", 45000, ("+316",), 8, _cities(
        ("Noord-Holland", "Amsterdam", "10## ??"), ("Noord-Holland", "Haarlem", "20## ??"),
        ("Zuid-Holland", "Rotterdam", "30## ??"), ("Zuid-Holland", "Den Haag", "25## ??"),
        ("Utrecht", "Utrecht", "35## ??"), ("Noord-Brabant", "Eindhoven", "56## ??"),
        ("Groningen", "Groningen", "97## ??"),
    )),
    Country("ES", 8, "es", 28000, ("+346", "+347"), 8, _cities(
        ("Comunidad de Madrid", "Madrid", "280##"), ("Cataluña", "Barcelona", "080##"),
        ("Comunidad Valenciana", "Valencia", "460##"), ("Andalucía", "Sevilla", "410##"),
        ("Andalucía", "Málaga", "290##"), ("País Vasco", "Bilbao", "480##"),
        ("Aragón", "Zaragoza", "500##"),
    ), ios_share=0.25),
    Country("IT", 8, "it", 31000, ("+39320", "+39333", "+39347", "+39366"), 7, _cities(
        ("Lombardia", "Milano", "201##"), ("Lazio", "Roma", "001##"),
        ("Campania", "Napoli", "801##"), ("Piemonte", "Torino", "101##"),
        ("Toscana", "Firenze", "501##"), ("Emilia-Romagna", "Bologna", "401##"),
        ("Veneto", "Venezia", "301##"),
    ), ios_share=0.30),
    Country("AT", 4, "de", 44000, ("+43664", "+43676", "+43699"), 7, _cities(
        ("Wien", "Wien", "1##0"), ("Steiermark", "Graz", "80##"),
        ("Oberösterreich", "Linz", "40##"), ("Salzburg", "Salzburg", "50##"),
        ("Tirol", "Innsbruck", "60##"),
    )),
    Country("CH", 3, "de", 78000, ("+4176", "+4178", "+4179"), 7, _cities(
        ("Zürich", "Zürich", "80##"), ("Bern", "Bern", "30##"), ("Basel-Stadt", "Basel", "40##"),
        ("Genève", "Genève", "12##", "fr"), ("Vaud", "Lausanne", "10##", "fr"),
        ("Ticino", "Lugano", "69##", "it"),
    ), ios_share=0.55),
    Country("BE", 3, "nl", 42000, ("+32470", "+32475", "+32486"), 6, _cities(
        ("Bruxelles-Capitale", "Bruxelles", "1###", "fr"), ("Vlaanderen", "Antwerpen", "20##"),
        ("Vlaanderen", "Gent", "90##"), ("Vlaanderen", "Brugge", "80##"),
        ("Wallonie", "Liège", "40##", "fr"), ("Wallonie", "Namur", "50##", "fr"),
    )),
    Country("PL", 5, "pl", 19000, ("+4850", "+4851", "+4860", "+4869"), 7, _cities(
        ("Mazowieckie", "Warszawa", "0#-###"), ("Małopolskie", "Kraków", "3#-###"),
        ("Dolnośląskie", "Wrocław", "5#-###"), ("Wielkopolskie", "Poznań", "6#-###"),
        ("Pomorskie", "Gdańsk", "80-###"), ("Łódzkie", "Łódź", "9#-###"),
    ), ios_share=0.22),
    Country("SE", 3, "sv", 41000, ("+4670", "+4672", "+4673"), 7, _cities(
        ("Stockholms län", "Stockholm", "1## ##"), ("Västra Götalands län", "Göteborg", "4## ##"),
        ("Skåne län", "Malmö", "2## ##"), ("Uppsala län", "Uppsala", "75# ##"),
    ), ios_share=0.55),
    Country("DK", 2, "da", 51000, ("+452", "+453"), 7, _cities(
        ("Hovedstaden", "København", "1###"), ("Midtjylland", "Aarhus", "8###"),
        ("Syddanmark", "Odense", "5###"), ("Nordjylland", "Aalborg", "9###"),
    ), ios_share=0.55),
    Country("IE", 2, "en", 46000, ("+35385", "+35386", "+35387"), 7, _cities(
        ("Leinster", "Dublin", "D0# ?##?"), ("Munster", "Cork", "T12 ?##?"),
        ("Munster", "Limerick", "V94 ?##?"), ("Connacht", "Galway", "H91 ?##?"),
    ), ios_share=0.50),
    Country("PT", 3, "pt", 20000, ("+35191", "+35193", "+35196"), 7, _cities(
        ("Lisboa", "Lisboa", "1###-###"), ("Porto", "Porto", "4###-###"),
        ("Faro", "Faro", "8###-###"), ("Coimbra", "Coimbra", "3###-###"),
        ("Braga", "Braga", "47##-###"),
    ), ios_share=0.25),
    Country("US", 6, "en", 56000, ("+1212", "+1415", "+1312", "+1617", "+1206"), 7, _cities(
        ("New York", "New York", "100##"), ("California", "Los Angeles", "900##"),
        ("California", "San Francisco", "941##"), ("Illinois", "Chicago", "606##"),
        ("Texas", "Houston", "770##"), ("Texas", "Austin", "787##"),
        ("Massachusetts", "Boston", "021##"), ("Washington", "Seattle", "981##"),
    ), ios_share=0.57),
)  # fmt: skip

# (slug, name, popularity, SKU code, median price in EUR)
INTERESTS: tuple[tuple[str, str, float, str, float], ...] = (
    ("sports", "Sports & fitness", 1.3, "SPT", 35.0),
    ("outdoor", "Outdoor & hiking", 0.9, "OUT", 55.0),
    ("fashion", "Fashion", 1.4, "FAS", 40.0),
    ("beauty", "Beauty & care", 1.0, "BEA", 18.0),
    ("home-garden", "Home & garden", 1.0, "HOM", 30.0),
    ("cooking", "Cooking", 0.9, "COO", 22.0),
    ("travel", "Travel", 1.1, "TRV", 60.0),
    ("tech", "Tech & gadgets", 1.2, "TEC", 70.0),
    ("gaming", "Gaming", 0.8, "GAM", 45.0),
    ("books", "Books", 0.8, "BOO", 14.0),
    ("music", "Music", 0.9, "MUS", 20.0),
    ("pets", "Pets", 0.7, "PET", 16.0),
)

EDUCATION = ("primary", "secondary", "vocational", "bachelor", "master", "doctorate")
EDUCATION_WEIGHTS = (5, 30, 22, 25, 14, 4)
EDUCATION_INCOME = (0.6, 0.8, 0.92, 1.15, 1.35, 1.6)
OCCUPATIONS = (
    # by education index: the jobs that people with that education commonly hold
    ("Retail assistant", "Driver", "Warehouse worker", "Cleaner", "Cook"),
    ("Retail assistant", "Customer service agent", "Office clerk", "Driver",
     "Sales representative"),
    ("Electrician", "Mechanic", "Nurse", "Chef", "Carpenter", "Hairdresser"),
    ("Software developer", "Teacher", "Accountant", "Marketing manager", "Designer",
     "Project manager", "Sales representative", "Civil servant"),
    ("Engineer", "Consultant", "Architect", "Pharmacist", "Product manager", "Lawyer",
     "Software developer", "Financial analyst"),
    ("Researcher", "Doctor", "University lecturer", "Data scientist", "Lawyer"),
)  # fmt: skip
ACQUISITION_CHANNELS = ("organic", "paid_search", "social", "referral", "store", "newsletter")
ACQUISITION_WEIGHTS = (30, 20, 18, 10, 15, 7)
ITEMS_PER_ORDER = (1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 4, 5)
STORE_SUFFIXES = ("Centre", "Mall", "Station", "Old Town", "Airport", "Outlet")


# ---------------------------------------------------------------------------------------------
# Generation.
# ---------------------------------------------------------------------------------------------

CUSTOMER_COLUMNS = (
    "id", "email", "phone", "external_id", "first_name", "last_name", "first_name_lower",
    "last_name_lower", "locale", "birth_date", "gender", "income", "education", "occupation",
    "country", "region", "city", "postal_code", "device_type", "os", "attributes",
    "order_count", "total_spent", "avg_order_value", "first_order_at", "last_order_at",
    "created_at", "updated_at",
)  # fmt: skip
ORDER_COLUMNS = ("external_id", "customer_id", "placed_at", "total", "currency", "items")
INTEREST_COLUMNS = ("customer_id", "interest_id")


class _Extras:
    """Values for the model's other columns (fields added after this module was written).

    Constant defaults are prepared once; a UUID default gets a deterministic value per row.
    A field with neither a default nor NULL allowed stops the seed with a clear message.
    """

    def __init__(self, model, generated: Sequence[str], rng: random.Random) -> None:
        self.columns: list[str] = []
        self.constant: list[object] = []
        self.uuid_positions: list[int] = []
        self.rng = rng
        for f in model._meta.concrete_fields:
            if f.column in generated or f.primary_key:
                continue
            self.columns.append(f.column)
            if isinstance(f, models.UUIDField) and f.has_default():
                self.uuid_positions.append(len(self.constant))
                self.constant.append(None)
            elif f.has_default() and not f.unique:
                value = f.get_db_prep_save(f.get_default(), connection)
                self.constant.append(value.value if isinstance(value, enum.Enum) else value)
            elif f.null:
                self.constant.append(None)
            else:
                raise ImproperlyConfigured(
                    f"seed_demo does not know how to fill {model.__name__}.{f.name}."
                )
        self.constant_tuple = tuple(self.constant)

    def values(self) -> tuple:
        if not self.uuid_positions:
            return self.constant_tuple
        values = list(self.constant)
        for position in self.uuid_positions:
            # A version 4 UUID as 32 hex digits (COPY reads it as a uuid), made from the seed.
            bits = self.rng.getrandbits(128) & ~(0xF000 << 64) & ~(0xC000 << 48)
            values[position] = f"{bits | (0x4000 << 64) | (0x8000 << 48):032x}"
        return tuple(values)


@dataclass
class SeedResult:
    customers: int = 0
    orders: int = 0
    memberships: int = 0
    metrics_changed: int = 0
    timings: dict[str, float] = field(default_factory=dict)


@functools.cache
def _ascii(text: str) -> str:
    """'Sørensen' -> 'sorensen', "O'Brien" -> 'obrien', 'van den Berg' -> 'vandenberg'."""
    text = text.lower().translate(str.maketrans({"ß": "ss", "ø": "o", "æ": "ae", "ł": "l"}))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text if ch.isalnum())


def _fill(pattern: str, rng: random.Random) -> str:
    out = []
    for ch in pattern:
        if ch == "#":
            out.append("0123456789"[int(rng.random() * 10)])
        elif ch == "?":
            out.append("ABCDEFGHJKLMNPRSTUVWXY"[int(rng.random() * 22)])
        else:
            out.append(ch)
    return "".join(out)


def _cumulative(weights: Sequence[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


class _Catalogue:
    """Per interest a dozen SKUs with fixed prices, pre-rendered as JSON items per quantity."""

    def __init__(self) -> None:
        rng = random.Random("segmenta-demo-catalogue")
        # Each SKU: ((None, item JSON for qty 1, qty 2, qty 3), price in cents).
        self.by_interest: list[list[tuple[tuple, int]]] = []
        for _slug, _name, _pop, code, median in INTERESTS:
            skus = []
            for j in range(1, 13):
                cents = max(199, int(rng.lognormvariate(math.log(median), 0.7) * 100))
                cents = cents // 100 * 100 + 99 if cents > 1000 else cents  # x.99 pricing
                price = f"{cents // 100}.{cents % 100:02d}"
                items = tuple(
                    f'{{"sku": "{code}-{j:04d}", "qty": {qty}, "price": {price}}}'
                    for qty in (1, 2, 3)
                )
                skus.append(((None, *items), cents))
            self.by_interest.append(skus)
        self.everything = [sku for skus in self.by_interest for sku in skus]

    def for_interests(self, interests: Sequence[int]) -> list[tuple[tuple, int]]:
        if not interests:
            return self.everything
        return [sku for j in interests for sku in self.by_interest[j]]


def _order_counts(n: int, m: int, rng: random.Random, created_frac: Callable[[int], float]):
    """How many orders each of n customers has, m in total, with a realistic skew.

    About 30% never ordered, 22% ordered once, the rest are repeat buyers whose extra orders
    follow a Pareto law (a long tail of heavy buyers), fewer for customers who joined lately.
    """
    base = array("B")
    weights = array("d")
    for i in range(n):
        r = rng.random()
        if r < 0.30:
            base.append(0)
            weights.append(0.0)
        elif r < 0.52:
            base.append(1)
            weights.append(0.0)
        else:
            tenure = max(0.02, 1.0 - created_frac(i))
            base.append(2)
            weights.append(min(rng.paretovariate(1.25), 150.0) * tenure**0.8)
    extra = m - sum(base)
    if extra < 0 or not any(weights):
        # Few orders for many customers: spread them over the would-be buyers instead.
        weights = array("d", (float(b) for b in base)) if any(base) else array("d", [1.0] * n)
        base = array("B", bytes(n))
        extra = m
    total = math.fsum(weights)
    # Systematic allocation: exact total, each customer close to their expected share.
    cum, allocated = 0.0, 0
    counts = array("I", [0]) * n
    for i in range(n):
        cum += weights[i]
        upto = extra if i == n - 1 else min(extra, int(extra * cum / total))
        counts[i] = base[i] + upto - allocated
        allocated = upto
    return counts


def _interest_weights(age: int) -> list[float]:
    """Popularity of each interest, shifted a little by age."""
    weights = []
    for slug, _name, popularity, _code, _price in INTERESTS:
        w = popularity
        if slug == "gaming":
            w *= 2.0 if age < 30 else 0.3 if age > 55 else 1.0
        elif slug == "home-garden" and age > 45:
            w *= 1.8
        weights.append(w)
    return weights


class DemoGenerator:
    """Generates customers (with interests and orders) for indexes [start, start + n)."""

    def __init__(
        self,
        *,
        seed: int,
        customers: int,
        orders: int,
        anchor: datetime,
        first_customer_id: int,
        first_number: int,
        first_order_number: int,
        interest_ids: Sequence[int],
        timestamp: Callable[[int], str],
    ) -> None:
        self.n = customers
        self.anchor = anchor
        self.anchor_ts = int(anchor.timestamp())
        self.first_customer_id = first_customer_id
        self.first_number = first_number
        self.next_order_number = first_order_number
        self.interest_ids = list(interest_ids)
        self.ts = timestamp
        stream = f"segmenta-demo:{seed}:{first_number}"
        self.rng = random.Random(stream)
        self.counts = _order_counts(
            customers, orders, random.Random(stream + ":orders"), self._created_frac
        )
        self.catalogue = _Catalogue()
        self.customer_extras = _Extras(Customer, CUSTOMER_COLUMNS, random.Random(stream + ":c"))
        self.order_extras = _Extras(Order, ORDER_COLUMNS, random.Random(stream + ":o"))
        self.interest_extras = _Extras(
            CustomerInterest, INTEREST_COLUMNS, random.Random(stream + ":i")
        )
        self.country_cum = _cumulative([c.weight for c in COUNTRIES])
        self.education_cum = _cumulative(EDUCATION_WEIGHTS)
        self.channel_cum = _cumulative(ACQUISITION_WEIGHTS)
        self.interest_cum = [_cumulative(_interest_weights(age)) for age in (25, 40, 60)]
        self.updated_at = timestamp(self.anchor_ts)

    def _created_frac(self, i: int) -> float:
        """Where in the three-year window customer i signed up (0 = start, 1 = anchor).

        Sign-ups grow over time; customer ids follow sign-up order.
        """
        return ((i + 0.5) / self.n) ** (1 / 1.5)

    def _pick(self, cum: list[float]) -> int:
        return min(bisect_right(cum, self.rng.random() * cum[-1]), len(cum) - 1)

    def chunk(self, start: int, stop: int) -> tuple[list[tuple], list[tuple], list[tuple]]:
        customers, memberships, orders = [], [], []
        for i in range(start, stop):
            customer, interests, order_rows = self._customer(i)
            customers.append(customer)
            memberships.extend(interests)
            orders.extend(order_rows)
        return customers, memberships, orders

    def _customer(self, i: int):  # noqa: C901 - one flat recipe reads best
        rng = self.rng
        rand = rng.random
        pk = self.first_customer_id + i
        number = self.first_number + i + 1
        country = COUNTRIES[self._pick(self.country_cum)]
        city = country.cities[int(rand() * len(country.cities))]
        language = city.language or country.language
        females, males, last_names = NAMES[language]

        g = rand()
        if g < 0.50:
            gender, first = "female", females[int(rand() * len(females))]
        elif g < 0.97:
            gender, first = "male", males[int(rand() * len(males))]
        elif g < 0.99:
            gender = "nonbinary"
            pool = females if rand() < 0.5 else males
            first = pool[int(rand() * len(pool))]
        else:
            gender, first = "", (females + males)[int(rand() * (len(females) + len(males)))]
        last = last_names[int(rand() * len(last_names))]

        email = None
        if rand() >= 0.03:  # a few customers are known by phone only
            domain = EMAIL_DOMAINS[int(rand() * len(EMAIL_DOMAINS))]
            email = f"{_ascii(first)}.{_ascii(last)}.{number}@{domain}"
        phone = ""
        if email is None or rand() < 0.6:
            prefix = country.phone_prefixes[int(rand() * len(country.phone_prefixes))]
            phone = f"{prefix}{int(rand() * 10**country.phone_digits):0{country.phone_digits}d}"

        age = min(85, int(rng.triangular(18, 86, 36)))
        day = self.anchor.date()
        leap_day = (day.month, day.day) == (2, 29)
        latest_birthday = day.replace(year=day.year - age, day=28 if leap_day else day.day)
        birth_date = latest_birthday - timedelta(days=int(rand() * 365))

        education_i = self._pick(self.education_cum)
        if age < 22 and education_i > 2:
            education_i = 1
        if age >= 67 and rand() < 0.85:
            occupation = "Retired"
        elif age < 25 and rand() < 0.45:
            occupation = "Student"
        else:
            jobs = OCCUPATIONS[education_i]
            occupation = jobs[int(rand() * len(jobs))]
        income = None
        if rand() >= 0.08:  # some never said
            career = min(1.0, 0.55 + (age - 18) / 60) * (0.7 if occupation == "Retired" else 1)
            if occupation == "Student":
                career = 0.3
            raw = (
                country.median_income
                * EDUCATION_INCOME[education_i]
                * career
                * rng.lognormvariate(0, 0.45)
            )
            income = max(3000, int(raw / 100) * 100)

        d = rand() + (0.15 if age > 55 else 0.0)
        if rand() < 0.04:
            device, os_ = "", ""
        elif d < 0.55:
            device = "mobile"
            os_ = "ios" if rand() < country.ios_share else "android"
        elif d < 0.65:
            device = "tablet"
            os_ = "ios" if rand() < country.ios_share + 0.15 else "android"
        else:
            device = "desktop"
            o = rand()
            os_ = (
                "windows" if o < 0.7 else "macos" if o < 0.92 else "linux" if o < 0.97 else "other"
            )

        loyalty = rand() < 0.35
        attributes: dict[str, object] = {"loyalty_card": loyalty}
        if loyalty:
            suffix = STORE_SUFFIXES[int(rand() * len(STORE_SUFFIXES))]
            attributes["preferred_store"] = f"{city.name} {suffix}"
        if rand() < 0.8:
            attributes["acquisition_channel"] = ACQUISITION_CHANNELS[self._pick(self.channel_cum)]
        if rand() < 0.15:
            attributes["newsletter_frequency"] = "weekly" if rand() < 0.6 else "monthly"

        # Interests: 0-4, popularity shifted a little by age.
        k = (0, 1, 1, 2, 2, 2, 3, 3, 4, 1)[int(rand() * 10)]
        chosen: list[int] = []
        if k:
            band = 0 if age < 30 else 2 if age > 55 else 1
            cum = self.interest_cum[band]
            while len(chosen) < k:
                j = min(bisect_right(cum, rand() * cum[-1]), len(cum) - 1)
                if j not in chosen:
                    chosen.append(j)
        memberships = [(pk, self.interest_ids[j], *self.interest_extras.values()) for j in chosen]

        span = HISTORY_DAYS * 86400
        created = self.anchor_ts - span + int(self._created_frac(i) * span) - int(rand() * 3600)
        orders, metrics = self._orders(pk, created, self.counts[i], chosen)

        ts = self.ts
        row = (
            pk, email, phone, f"{CUSTOMER_ID_PREFIX}{number:010d}", first, last,
            first.lower(), last.lower(), f"{language}-{country.code}", birth_date.isoformat(),
            gender, income, EDUCATION[education_i], occupation, country.code, city.region,
            city.name, _fill(city.postal, rng), device, os_, json.dumps(attributes),
            *metrics, ts(created), self.updated_at, *self.customer_extras.values(),
        )  # fmt: skip
        return row, memberships, orders

    def _orders(self, pk: int, created: int, k: int, interests: list[int]):
        if not k:
            return [], (0, "0.00", "0.00", None, None)
        rng = self.rng
        rand = rng.random
        lifetime = self.anchor_ts - created
        # Recency: heavy buyers are more often still active; others lapsed or churned.
        r = rand() - min(0.25, k / 80)
        if r < 0.12:  # active: bought in the last weeks
            last = self.anchor_ts - int(rand() * 45 * 86400)
        elif r < 0.40:  # lapsing: a few months ago
            last = self.anchor_ts - int((45 + rand() * 255) * 86400)
        else:  # churned: stopped early in their life as a customer
            last = created + int(rand() * 0.6 * lifetime)
        if last <= created:
            last = created + int(rand() * lifetime)
        first_possible = created + 600  # a first purchase comes after signing up
        last = max(last, first_possible)
        times = [last] + [
            first_possible + int(rand() * (last - first_possible)) for _ in range(k - 1)
        ]
        preferred = self.catalogue.for_interests(interests)
        everything = self.catalogue.everything
        n_preferred, n_everything = len(preferred), len(everything)
        rows, total_cents = [], 0
        ts = self.ts
        extras = self.order_extras
        constant = extras.constant_tuple
        number = self.next_order_number
        for placed in times:
            parts, cents = [], 0
            for _ in range(ITEMS_PER_ORDER[int(rand() * len(ITEMS_PER_ORDER))]):
                if rand() < 0.75:
                    texts, price = preferred[int(rand() * n_preferred)]
                else:
                    texts, price = everything[int(rand() * n_everything)]
                q = rand()
                qty = 1 if q < 0.8 else 2 if q < 0.95 else 3
                parts.append(texts[qty])
                cents += qty * price
            number += 1
            rows.append(
                (
                    f"{ORDER_ID_PREFIX}{number:010d}",
                    pk,
                    ts(placed),
                    f"{cents // 100}.{cents % 100:02d}",
                    "EUR",
                    "[" + ", ".join(parts) + "]",
                    *(extras.values() if extras.uuid_positions else constant),
                )
            )
            total_cents += cents
        self.next_order_number = number
        avg = (2 * total_cents + k) // (2 * k)  # half up, as SQL ROUND(sum / n, 2)
        metrics = (
            k,
            f"{total_cents // 100}.{total_cents % 100:02d}",
            f"{avg // 100}.{avg % 100:02d}",
            ts(min(times)),
            ts(max(times)),
        )
        return rows, metrics


# ---------------------------------------------------------------------------------------------
# Writing.
# ---------------------------------------------------------------------------------------------


class _Timestamps:
    """Epoch seconds -> the text COPY reads as a UTC timestamp (cached by day)."""

    def __init__(self) -> None:
        self.days: dict[int, str] = {}
        self.clock = [
            f"{h:02d}:{m:02d}:{s:02d}+00" for h in range(24) for m in range(60) for s in range(60)
        ]

    def __call__(self, epoch: int) -> str:
        day, second = divmod(epoch, 86400)
        text = self.days.get(day)
        if text is None:
            text = self.days[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d ")
        return text + self.clock[second]


class _Writer:
    """Writes chunks in order with COPY, in a background thread.

    The server takes in one chunk while Python generates the next (waiting on the socket
    releases the GIL). The thread uses this transaction's psycopg cursor; nothing else
    touches the connection meanwhile.
    """

    def __init__(self, cursor) -> None:
        self.cursor = cursor
        self.error: BaseException | None = None
        self.jobs: queue.Queue = queue.Queue(maxsize=2)  # bounds memory to a few chunks
        self.thread = threading.Thread(target=self._run, name="seed-demo-copy", daemon=True)
        self.thread.start()

    def write(self, chunk: Sequence[tuple[str, Sequence[str], list[tuple]]]) -> None:
        self._raise()
        self.jobs.put(chunk)

    def close(self) -> None:
        """Wait for the last chunk; re-raise what went wrong in the thread."""
        self.jobs.put(None)
        self.thread.join()
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        raw = self.cursor.cursor
        while (chunk := self.jobs.get()) is not None:
            if self.error is not None:
                continue  # drain, so that the producer is never stuck on a full queue
            try:
                with connection.wrap_database_errors:
                    for table, columns, rows in chunk:
                        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                            for row in rows:
                                copy.write_row(row)
            except BaseException as error:  # noqa: BLE001 - handed to the main thread
                self.error = error


def _max_number(model, prefix: str) -> int:
    """The highest demo number used so far (ids are zero-padded, so text order is number order)."""
    top = model.objects.filter(external_id__startswith=prefix).aggregate(m=Max("external_id"))["m"]
    return int(top.removeprefix(prefix)) if top else 0


def ensure_interests() -> list[int]:
    ids = []
    for slug, name, *_ in INTERESTS:
        interest, _ = Interest.objects.get_or_create(slug=slug, defaults={"name": name})
        ids.append(interest.pk)
    return ids


def default_anchor() -> datetime:
    """Midnight UTC today: the demo data is the same all day for the same seed."""
    today = datetime.now(UTC).date()
    return datetime(today.year, today.month, today.day, tzinfo=UTC)


def anchor_from_date(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


# A fresh load at least this big drops secondary indexes and foreign keys and builds them
# once afterwards: much faster than maintaining 20 indexes row by row.
REBUILD_INDEXES_FROM = 50_000

_SECONDARY = """
    SELECT 'index', i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), ''
    FROM pg_index i
    WHERE i.indrelid = ANY(%(tables)s::regclass[]) AND NOT i.indisprimary
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid
                      AND c.conrelid = i.indrelid)
    UNION ALL
    SELECT CASE c.contype WHEN 'f' THEN 'foreign key' ELSE 'unique' END,
           quote_ident(c.conname), pg_get_constraintdef(c.oid), c.conrelid::regclass::text
    FROM pg_constraint c
    WHERE c.conrelid = ANY(%(tables)s::regclass[]) AND c.contype IN ('u', 'f')
"""

# Other tables' foreign keys that point at a unique constraint (not the primary key) of ours:
# dropping that constraint would need theirs dropped too, so the fast path is not taken.
_BORROWED = """
    SELECT count(*) FROM pg_constraint c JOIN pg_index i ON i.indexrelid = c.conindid
    WHERE c.contype = 'f' AND c.confrelid = ANY(%(tables)s::regclass[]) AND NOT i.indisprimary
"""


class _IndexRebuild:
    """Drop secondary indexes, unique constraints and foreign keys; recreate them identically."""

    def __init__(self, cursor, tables: Sequence[str]) -> None:
        self.cursor = cursor
        self.tables = list(tables)
        self.saved: list[tuple[str, str, str, str]] = []

    def possible(self) -> bool:
        self.cursor.execute(_BORROWED, {"tables": self.tables})
        return self.cursor.fetchone()[0] == 0

    def drop(self) -> None:
        self.cursor.execute(_SECONDARY, {"tables": self.tables})
        self.saved = self.cursor.fetchall()
        order = {"foreign key": 0, "unique": 1, "index": 2}
        for kind, name, _definition, table in sorted(self.saved, key=lambda r: order[r[0]]):
            if kind == "index":
                self.cursor.execute(f"DROP INDEX {name}")
            else:
                self.cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")

    def recreate(self) -> None:
        order = {"index": 0, "unique": 1, "foreign key": 2}
        for kind, name, definition, table in sorted(self.saved, key=lambda r: order[r[0]]):
            if kind == "index":
                self.cursor.execute(definition)
            else:
                self.cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


def _tables_empty(cursor, tables: Sequence[str]) -> bool:
    for table in tables:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")  # noqa: S608 - model tables
        if cursor.fetchone()[0]:
            return False
    return True


def seed(
    *,
    customers: int,
    orders: int,
    seed: int = 42,
    anchor: datetime | None = None,
    chunk_size: int = 5000,
    progress: Callable[[str], None] | None = None,
    rebuild_indexes: bool | None = None,
) -> SeedResult:
    """Add `customers` demo customers with `orders` orders in one transaction, set-based.

    The caller decides whether adding to existing customers is fine (seed_demo --append).
    rebuild_indexes: None decides by size (empty tables, a big load).
    """
    anchor = anchor or default_anchor()
    result = SeedResult()
    t0 = time.perf_counter()
    tables = [m._meta.db_table for m in (Customer, CustomerInterest, Order)]
    rebuild = None
    with transaction.atomic(), connection.cursor() as cursor:
        if rebuild_indexes is None:
            rebuild_indexes = customers + orders >= REBUILD_INDEXES_FROM
        # Keep other writers from taking ids in the range we fill (readers carry on), or,
        # to rebuild indexes, have the tables to ourselves.
        mode = "ACCESS EXCLUSIVE" if rebuild_indexes else "SHARE ROW EXCLUSIVE"
        cursor.execute(f"LOCK TABLE {', '.join(tables)} IN {mode} MODE")
        # Check foreign keys per COPY statement instead of queueing millions until commit.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        facts.defer()  # written once at the end: see facts.catch_up() below
        if rebuild_indexes and _tables_empty(cursor, tables):
            rebuild = _IndexRebuild(cursor, tables)
            if rebuild.possible():
                rebuild.drop()
            else:
                rebuild = None
        interest_ids = ensure_interests()
        last_id = Customer.objects.aggregate(m=Max("id"))["m"] or 0
        generator = DemoGenerator(
            seed=seed,
            customers=customers,
            orders=orders,
            anchor=anchor,
            first_customer_id=last_id + 1,
            first_number=_max_number(Customer, CUSTOMER_ID_PREFIX),
            first_order_number=_max_number(Order, ORDER_ID_PREFIX),
            interest_ids=interest_ids,
            timestamp=_Timestamps(),
        )
        writer = _Writer(cursor)
        customer_columns = [*CUSTOMER_COLUMNS, *generator.customer_extras.columns]
        interest_columns = [*INTEREST_COLUMNS, *generator.interest_extras.columns]
        order_columns = [*ORDER_COLUMNS, *generator.order_extras.columns]
        try:
            for start in range(0, customers, chunk_size):
                rows, memberships, order_rows = generator.chunk(
                    start, min(customers, start + chunk_size)
                )
                writer.write(
                    [
                        (Customer._meta.db_table, customer_columns, rows),
                        (CustomerInterest._meta.db_table, interest_columns, memberships),
                        (Order._meta.db_table, order_columns, order_rows),
                    ]
                )
                result.customers += len(rows)
                result.memberships += len(memberships)
                result.orders += len(order_rows)
                if progress:
                    progress(f"{result.customers:,} customers, {result.orders:,} orders")
        finally:
            writer.close()
        # Customer ids were given explicitly: move the id sequence past them.
        for sql in connection.ops.sequence_reset_sql(no_style(), [Customer]):
            cursor.execute(sql)
        result.timings["write"] = time.perf_counter() - t0
        if rebuild:
            t1 = time.perf_counter()
            rebuild.recreate()
            result.timings["indexes"] = time.perf_counter() - t1

        t1 = time.perf_counter()
        result.metrics_changed = recompute_customer_metrics()
        result.timings["metrics"] = time.perf_counter() - t1
        t1 = time.perf_counter()
        facts.catch_up()
        result.timings["facts"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join([*tables, Interest._meta.db_table]))
    result.timings["analyze"] = time.perf_counter() - t2
    result.timings["total"] = time.perf_counter() - t0
    return result
