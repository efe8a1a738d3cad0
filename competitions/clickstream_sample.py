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

The target is drawn from a multinomial logit that reads only what the files show, the signals
the real training data has: a long mean session raises medium (saturating) and high (steeply);
a long shortest session, the premium category, an abandoned cart and few sessions raise high;
ages 32 to 52 and new users raise medium. Intercepts make the class shares 531/103/66 of 700.
That probability, the oracle's prediction, is kept beside the sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
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
ability able about accept across action activity actually address admit after again against
agency agree air allow alone already also always american among amount analysis and animal
another answer anyone appear apply approach area argue arm around arrive art article artist
assume attack attention author authority avoid away baby back bad bank bar base beat beautiful
because become bed before begin behavior behind believe best better between beyond big bill
billion black blood blue board body book born both box boy break bring brother budget build
business but buy call camera campaign can cancer candidate capital car card care career carry
case catch cause cell center central century certain chair challenge chance change character
charge check child choice choose church citizen city civil claim class clear close coach cold
collection college color common community company compare computer concern condition
conference consider control cost could country couple course court cover create crime cultural
culture cup current customer cut dark data daughter day dead deal death debate decade decide
decision deep defense degree democrat describe design despite detail determine develop
difference difficult dinner direction director discover discuss disease doctor dog door down
draw dream drive drop drug during each early east easy eat economic economy edge education
effect effort eight either election else employee end energy enjoy enough enter entire
environment evening event ever every evidence exactly example executive exist expect
experience expert explain eye face fact factor fail fall family far fast father fear federal
feel few field fight figure fill film final finally financial find fine finger finish fire
firm first fish five floor fly focus follow food foot force foreign forget form former forward
four free friend from front full fund future game garden gas general generation girl give glass
goal good government great green ground group grow growth guess gun guy hair half hand hang
happen happy hard have head health hear heart heat heavy help her here herself high himself
history hit hold home hope hospital hot hotel hour house however huge human hundred husband
idea identify image imagine impact important improve include increase indeed indicate
individual industry information inside instead institution interest interview into investment
issue item itself job join just keep key kid kind kitchen know knowledge land language large
last late later laugh law lawyer lay lead leader learn least leave left leg legal less let
letter level life light like likely line list listen little live local long look lose loss lot
love low machine magazine main maintain major majority make manage management manager many
market marriage material matter may maybe mean measure media medical meet meeting member memory
mention message method middle might military million mind minute miss mission model modern
moment money month more morning most mother mouth move movement movie much music must myself
name nation national natural nature near nearly necessary need network never news newspaper
next nice night none north note nothing notice now number occur off offer office officer
official often oil old once one only onto open operation opportunity option order organization
other others our out outside over own owner page pain painting paper parent part participant
particular partner party pass past patient pattern pay peace people per perform perhaps period
person personal phone physical pick picture piece place plan plant play player point police
policy political poor popular population position positive possible power practice prepare
present president pressure pretty prevent price private probably problem process produce
product program project property protect prove provide public pull purpose push put quality
question quickly quite race radio raise range rate rather reach read ready real reality
realize reason receive recent recently recognize record red reduce reflect region relate
remain remember remove report represent require research resource respond rest result return
reveal rich right rise risk road rock role room rule run safe same save say scene school
science score sea season seat second section security see seek seem sell send senior sense
series serious serve service set seven several shake share she shoulder show side sign
significant similar simple simply since sing single sister sit site situation six size skill
skin small smile social society soldier some someone something sometimes son song soon sort
sound source south southern space speak special specific speech spend sport spring staff stage
stand standard star start state statement station stay step still stock stop store story
strategy street strong structure student study stuff style subject success successful such
suddenly suffer suggest summer support sure surface system table take talk task tax teach
teacher team technology television tell ten tend term test than thank that the their them
themselves then theory there these they thing think third this those though thought thousand
threat three through throughout throw thus time today together tonight too top total tough
toward town trade traditional training travel treat treatment tree trial trip trouble true
truth try turn two type under understand unit until upon use usually value various very victim
view violence visit voice vote wait walk wall want war watch water way weapon wear week weight
well west western what whatever when where whether which while white who whole whom whose why
wide wife will win wind window wish with within without woman wonder word work worker world
worry would write writer wrong yard yeah year yes yet you young your yourself""".split()
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


def generate_scale(scale: str, seed: int) -> ClickStreamSample:
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}")
    return generate(seed=seed, **SCALES[scale])


def generate(n_train: int, n_test: int, seed: int) -> ClickStreamSample:
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
