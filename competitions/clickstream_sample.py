"""Podium's built-in synthetic NUWE ClickStream sample, calibrated on the real challenge files.

Deterministic for a seed and vectorised. The four frames have the columns and dtypes that
podium's CSV reader gives for ``user_{train,test}.csv`` (separated by ``;``) and
``session_{train,test}.csv`` (separated by ``,``): UUID strings for users and sessions,
``abandoned_cart`` as the strings ``TRUE``/``FALSE``, timestamps as ``YYYY-MM-DD HH:MM:SS``
strings from 2023-01-01 to 2023-10-28, and ``test_id`` 1..n_test in the test users.

As in the real (Faker-made) data, age is uniform on 18..70, the user category and the
abandoned cart are near-uniform, every user has 5 to 15 sessions in a block of rows (users in a
random order, their sessions not sorted by time), page views are uniform on 3..10, and device,
browser, operating system, IP address, country (Faker's list, Korea and Congo twice) and the
lorem-style search sentence are independent noise. A session lasts 20 + 281 U^(1/a) seconds
(U uniform), so a = 1 gives the uniform 20..300 s of most users; a per-user log a, mostly near
0 with an exponential upper tail for 15% of the users, gives the real spread of each user's
mean and shortest session.

The target is drawn from a multinomial logit that reads only what the files show, with the
interactions the real training data has: medium needs both an age of about 32 to 52 and a mean
session over about 165 s; high needs a mean session over about 190 s (premium subscribers more
so) and leans a little on a long shortest session, an abandoned cart and few sessions; new users
lean to medium, premium subscribers away from it. Intercepts make the shares 531/103/66 of 700.
That probability, the oracle's prediction, is kept beside the sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

CLASSES = (1, 2, 3)
SHARES = np.array([531, 103, 66]) / 700  # real user_train.csv
SCALES: dict[str, dict[str, int]] = {
    "small": dict(n_train=700, n_test=300),
    "full": dict(n_train=7_000, n_test=3_000),
}
CATEGORIES = ("new_user", "recurring_user", "premium_subscriber")
DEVICES = ("mobile", "desktop", "tablet")
BROWSERS = ("Chrome", "Firefox", "Safari", "Edge")
SYSTEMS = ("Windows", "macOS", "Linux", "iOS", "Android")
START = np.datetime64("2023-01-01T00:00:00", "s")
SPAN_S = int((np.datetime64("2023-10-29T00:00:00", "s") - START).astype(np.int64))
COUNTRIES = tuple(
    """\
Afghanistan|Albania|Algeria|American Samoa|Andorra|Angola|Anguilla|Antarctica (the territory \
South of 60 deg S)|Antigua and Barbuda|Argentina|Armenia|Aruba|Australia|Austria|Azerbaijan|\
Bahamas|Bahrain|Bangladesh|Barbados|Belarus|Belgium|Belize|Benin|Bermuda|Bhutan|Bolivia|Bosnia \
and Herzegovina|Botswana|Bouvet Island (Bouvetoya)|Brazil|British Indian Ocean Territory (Chagos \
Archipelago)|British Virgin Islands|Brunei Darussalam|Bulgaria|Burkina Faso|Burundi|Cambodia|\
Cameroon|Canada|Cape Verde|Cayman Islands|Central African Republic|Chad|Chile|China|Christmas \
Island|Cocos (Keeling) Islands|Colombia|Comoros|Congo|Congo|Cook Islands|Costa Rica|Cote \
d'Ivoire|Croatia|Cuba|Cyprus|Czech Republic|Denmark|Djibouti|Dominica|Dominican Republic|\
Ecuador|Egypt|El Salvador|Equatorial Guinea|Eritrea|Estonia|Ethiopia|Falkland Islands \
(Malvinas)|Faroe Islands|Fiji|Finland|France|French Guiana|French Polynesia|French Southern \
Territories|Gabon|Gambia|Georgia|Germany|Ghana|Gibraltar|Greece|Greenland|Grenada|Guadeloupe|\
Guam|Guatemala|Guernsey|Guinea|Guinea-Bissau|Guyana|Haiti|Heard Island and McDonald Islands|Holy \
See (Vatican City State)|Honduras|Hong Kong|Hungary|Iceland|India|Indonesia|Iran|Iraq|Ireland|\
Isle of Man|Israel|Italy|Jamaica|Japan|Jersey|Jordan|Kazakhstan|Kenya|Kiribati|Korea|Korea|\
Kuwait|Kyrgyz Republic|Lao People's Democratic Republic|Latvia|Lebanon|Lesotho|Liberia|Libyan \
Arab Jamahiriya|Liechtenstein|Lithuania|Luxembourg|Macao|Madagascar|Malawi|Malaysia|Maldives|\
Mali|Malta|Marshall Islands|Martinique|Mauritania|Mauritius|Mayotte|Mexico|Micronesia|Moldova|\
Monaco|Mongolia|Montenegro|Montserrat|Morocco|Mozambique|Myanmar|Namibia|Nauru|Nepal|\
Netherlands|Netherlands Antilles|New Caledonia|New Zealand|Nicaragua|Niger|Nigeria|Niue|\
Norfolk Island|North Macedonia|Northern Mariana Islands|Norway|Oman|Pakistan|Palau|Palestinian \
Territory|Panama|Papua New Guinea|Paraguay|Peru|Philippines|Pitcairn Islands|Poland|Portugal|\
Puerto Rico|Qatar|Reunion|Romania|Russian Federation|Rwanda|Saint Barthelemy|Saint Helena|Saint \
Kitts and Nevis|Saint Lucia|Saint Martin|Saint Pierre and Miquelon|Saint Vincent and the \
Grenadines|Samoa|San Marino|Sao Tome and Principe|Saudi Arabia|Senegal|Serbia|Seychelles|Sierra \
Leone|Singapore|Slovakia (Slovak Republic)|Slovenia|Solomon Islands|Somalia|South Africa|South \
Georgia and the South Sandwich Islands|Spain|Sri Lanka|Sudan|Suriname|Svalbard & Jan Mayen \
Islands|Swaziland|Sweden|Switzerland|Syrian Arab Republic|Taiwan|Tajikistan|Tanzania|Thailand|\
Timor-Leste|Togo|Tokelau|Tonga|Trinidad and Tobago|Tunisia|Turkey|Turkmenistan|Turks and Caicos \
Islands|Tuvalu|Uganda|Ukraine|United Arab Emirates|United Kingdom|United States Minor Outlying \
Islands|United States Virgin Islands|United States of America|Uruguay|Uzbekistan|Vanuatu|\
Venezuela|Vietnam|Wallis and Futuna|Western Sahara|Yemen|Zambia|Zimbabwe""".split("|")
)
WORDS = tuple(
    """
ability across address against allow always analysis answer approach around artist author baby
bar because begin best big blood book boy budget buy can car carry cell certain change child
citizen class cold common computer consider country cover culture cut day debate deep describe
determine dinner discuss door drive each eat education either end enter event exactly expect eye
fail fast feel figure finally finger first fly foot form free full garden girl good ground guess
half happy health heavy herself hit hospital house hundred image improve indicate inside
interview item just kind land late lawyer learn leg letter like listen long lot magazine
majority manager material mean meet mention might minute modern more mouth much name nature need
newspaper none notice off official once open order our own painting participant pass pay perform
personal picture plant police popular possible present prevent problem program prove purpose
question radio rather real receive record region remove research result right rock run say score
second seek senior serve several shoulder significant since sit size smile some son sound space
speech staff star station stock strategy student subject suddenly support table tax technology
tend thank them there think though three thus tonight tough traditional treatment trouble turn
understand use very visit walk watch wear west when while whom wife window without work would
yard yet yourself""".split()
)


@dataclass(frozen=True)
class ClickStreamSample:
    """The four frames in the loader's schema, plus each user's true class probabilities
    (columns in CLASSES order)."""

    user_train: pd.DataFrame
    user_test: pd.DataFrame
    session_train: pd.DataFrame
    session_test: pd.DataFrame
    p_train: np.ndarray
    p_test: np.ndarray

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The frames by table name (a :class:`competitions.kit.Sample`)."""
        names = ("user_train", "user_test", "session_train", "session_test")
        return {name: getattr(self, name) for name in names}

    @property
    def truth(self) -> np.ndarray:
        return self.p_train

    def describe(self) -> str:
        return f"{len(self.user_train):,} train / {len(self.user_test):,} test users"


def generate_scale(scale: str, seed: int) -> ClickStreamSample:
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}")
    return generate(seed=seed, **SCALES[scale])


def generate(n_train: int, n_test: int, seed: int) -> ClickStreamSample:
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = n_train + n_test
    age = rng.integers(18, 71, size=n)
    cart = rng.random(n) < 0.48
    category = rng.integers(0, len(CATEGORIES), size=n)
    n_sessions = rng.integers(5, 16, size=n)
    owner = np.repeat(np.arange(n), n_sessions)  # sessions are in blocks of rows per user
    log_a = -0.03 + 0.08 * rng.normal(size=n) + (rng.random(n) < 0.15) * rng.exponential(0.3, n)
    duration = 20 + np.floor(281 * rng.random(len(owner)) ** np.exp(-log_a[owner]))
    starts = np.concatenate([[0], np.cumsum(n_sessions)[:-1]])
    mean_d = np.add.reduceat(duration, starts) / n_sessions
    min_d = np.minimum.reduceat(duration, starts)

    p = _probabilities(age, cart, category, n_sessions, mean_d, min_d)
    label = (rng.random(n)[:, None] > p.cumsum(axis=1)[:, :-1]).sum(axis=1) + 1

    user_id = _uuids(rng, n)
    users = pd.DataFrame(
        {
            "user_id": user_id,
            "age": age.astype(np.int64),
            "abandoned_cart": np.where(cart, "TRUE", "FALSE"),
            "user_category": np.asarray(CATEGORIES)[category],
        }
    )
    sessions = _sessions(rng, user_id[owner], duration)
    # Users in a random order in the session files; each user's rows stay together.
    rank = np.concatenate([rng.permutation(n_train), n_train + rng.permutation(n_test)])
    order = np.argsort(rank[owner], kind="stable")
    in_train = owner[order] < n_train
    user_train = users.iloc[:n_train].assign(marketing_target=label[:n_train].astype(np.int64))
    user_test = users.iloc[n_train:].assign(test_id=np.arange(1, n_test + 1, dtype=np.int64))
    return ClickStreamSample(
        user_train.reset_index(drop=True),
        user_test.reset_index(drop=True),
        sessions.iloc[order[in_train]].reset_index(drop=True),
        sessions.iloc[order[~in_train]].reset_index(drop=True),
        p[:n_train],
        p[n_train:],
    )


def _probabilities(
    age: np.ndarray,
    cart: np.ndarray,
    category: np.ndarray,
    n_sessions: np.ndarray,
    mean_d: np.ndarray,
    min_d: np.ndarray,
) -> np.ndarray:
    """P(class) per user from what the files show, intercepts solved for the real shares."""
    long_mean = _sigmoid((mean_d - 165.0) / 5.0)  # medium needs a long mean session...
    very_long = _sigmoid((mean_d - 192.0) / 6.0)
    middle_age = 1.0 / (1.0 + ((age - 42.0) / 10.5) ** 8)  # ...and an age of about 32 to 52
    new, premium = category == 0, category == 2
    medium = 4.3 * middle_age * long_mean + 0.3 * new - 0.3 * premium
    high = (2.7 + 1.1 * premium) * very_long + 0.2 * (min_d - 45.0) / 30.0 + 0.35 * cart
    high = high - 0.08 * (n_sessions - 10)
    logits = np.stack([np.zeros(len(age)), medium, high], axis=1)
    shift = np.zeros(3)
    for _ in range(200):  # fixed point: each class's mean probability matches its share
        shift += np.log(SHARES / _softmax(logits + shift).mean(axis=0))
        shift -= shift[0]
    return _softmax(logits + shift)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _sessions(rng: np.random.Generator, user_id: np.ndarray, duration: np.ndarray) -> pd.DataFrame:
    import pandas as pd

    m = len(user_id)
    seconds = rng.integers(0, SPAN_S, size=m).astype("timedelta64[s]")
    stamp = np.char.replace(np.datetime_as_string(START + seconds, unit="s"), "T", " ")
    octets = rng.integers([1, 0, 0, 0], [224, 256, 256, 256], size=(m, 4)).astype(str)
    ip = octets[:, 0]
    for j in range(1, 4):
        ip = np.char.add(np.char.add(ip, "."), octets[:, j])
    return pd.DataFrame(
        {
            "user_id": user_id,
            "session_id": _uuids(rng, m),
            "timestamp": stamp,
            "device_type": np.asarray(DEVICES)[rng.integers(0, len(DEVICES), m)],
            "browser": np.asarray(BROWSERS)[rng.integers(0, len(BROWSERS), m)],
            "operating_system": np.asarray(SYSTEMS)[rng.integers(0, len(SYSTEMS), m)],
            "ip_address": ip,
            "country": np.asarray(COUNTRIES)[rng.integers(0, len(COUNTRIES), m)],
            "search_query": _sentences(rng, m),
            "page_views": rng.integers(3, 11, size=m).astype(np.int64),
            "session_duration": duration.astype(np.int64),
        }
    )


def _sentences(rng: np.random.Generator, m: int) -> np.ndarray:
    """Faker-style sentences: 3 to 8 random words, the first capitalised, ending with '.'."""
    words = np.asarray(WORDS)[rng.integers(0, len(WORDS), size=(m, 8))]
    n_words = rng.integers(3, 9, size=m)
    text = np.char.capitalize(words[:, 0])
    for j in range(1, 8):
        text = np.where(j < n_words, np.char.add(np.char.add(text, " "), words[:, j]), text)
    return np.char.add(text, ".")


def _uuids(rng: np.random.Generator, m: int) -> np.ndarray:
    """Version-4-looking UUID strings (8-4-4-4-12 lower-case hex) drawn from ``rng``."""
    nibbles = rng.integers(0, 16, size=(m, 32))
    nibbles[:, 12] = 4
    nibbles[:, 16] = 8 + nibbles[:, 16] % 4
    chars = np.insert(np.asarray(list("0123456789abcdef"))[nibbles], [8, 12, 16, 20], "-", axis=1)
    return np.ascontiguousarray(chars).view("<U36")[:, 0]
