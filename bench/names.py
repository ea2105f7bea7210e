"""Countries and syllable tables for synthetic but plausible place and person names.

Each syllable is a pair (romanised, native script): a name is built from
pairs, so its English label (romanised) and its native label (Cyrillic,
kanji, hanzi, hangul, or Latin with diacritics) always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

Syllables = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Country:
    slug: str
    name: str
    code: str
    lang: str  # language tag of native labels (our shapes allow en, uk, ru, ja, zh, ko)
    native: str  # native name of the country
    script: str  # key of SCRIPTS
    weight: float  # share of the world's twinned cities (rough)
    lat: float
    long: float


COUNTRIES: tuple[Country, ...] = (
    Country("japan", "Japan", "JP", "ja", "日本", "ja", 9, 36.0, 138.0),
    Country("china", "China", "CN", "zh", "中国", "zh", 8, 33.0, 110.0),
    Country("south-korea", "South Korea", "KR", "ko", "대한민국", "ko", 4, 36.5, 127.8),
    Country("russia", "Russia", "RU", "ru", "Россия", "ru", 7, 56.0, 60.0),
    Country("ukraine", "Ukraine", "UA", "uk", "Україна", "uk", 4, 49.0, 31.0),
    Country("germany", "Germany", "DE", "de", "Deutschland", "de", 10, 51.0, 10.0),
    Country("france", "France", "FR", "fr", "France", "fr", 9, 46.5, 2.5),
    Country("spain", "Spain", "ES", "es", "España", "es", 4, 40.0, -3.7),
    Country("poland", "Poland", "PL", "pl", "Polska", "pl", 5, 52.0, 19.0),
    Country("turkey", "Turkey", "TR", "tr", "Türkiye", "tr", 3, 39.0, 35.0),
    Country("italy", "Italy", "IT", "it", "Italia", "it", 5, 42.8, 12.5),
    Country("united-states", "United States", "US", "en", "United States", "en", 9, 39.0, -98.0),
    Country("united-kingdom", "United Kingdom", "GB", "en", "United Kingdom", "en", 4, 53.0, -2.0),
    Country("mexico", "Mexico", "MX", "es", "México", "es", 2, 23.0, -102.0),
    Country("brazil", "Brazil", "BR", "pt", "Brasil", "pt", 2, -10.0, -52.0),
    Country("sweden", "Sweden", "SE", "sv", "Sverige", "sv", 2, 62.0, 16.0),
    Country("czechia", "Czechia", "CZ", "cs", "Česko", "cs", 2, 49.8, 15.5),
    Country("kazakhstan", "Kazakhstan", "KZ", "ru", "Казахстан", "kz", 1, 48.0, 67.0),
)

# (romanised, native) syllables per script; names take 2-3 of them.
_JA: Syllables = (
    ("yoko", "横"), ("hama", "浜"), ("kawa", "川"), ("yama", "山"), ("shima", "島"), ("saki", "崎"),
    ("oka", "岡"), ("ta", "田"), ("naga", "長"), ("hiro", "広"), ("fuku", "福"), ("matsu", "松"),
    ("mori", "森"), ("kita", "北"), ("minami", "南"), ("higashi", "東"), ("nishi", "西"), ("ishi", "石"),
    ("taka", "高"), ("kami", "上"), ("shimo", "下"), ("ichi", "市"), ("sawa", "沢"), ("no", "野"),
    ("hara", "原"), ("mizu", "水"), ("tsu", "津"), ("kura", "倉"), ("wa", "和"), ("ao", "青"),
)
_ZH: Syllables = (
    ("shang", "上"), ("hai", "海"), ("bei", "北"), ("jing", "京"), ("nan", "南"), ("guang", "广"),
    ("zhou", "州"), ("cheng", "城"), ("shan", "山"), ("an", "安"), ("ning", "宁"), ("yang", "阳"),
    ("dong", "东"), ("xi", "西"), ("tian", "天"), ("he", "河"), ("jiang", "江"), ("hu", "湖"),
    ("qing", "青"), ("chang", "长"), ("ping", "平"), ("lin", "林"), ("xin", "新"), ("fu", "福"),
)
_KO: Syllables = (
    ("bu", "부"), ("cheon", "천"), ("seo", "서"), ("ul", "울"), ("dae", "대"), ("gu", "구"),
    ("gwang", "광"), ("ju", "주"), ("in", "인"), ("su", "수"), ("won", "원"), ("jeon", "전"),
    ("chang", "창"), ("pyeong", "평"), ("an", "안"), ("san", "산"), ("po", "포"), ("hae", "해"),
    ("gang", "강"), ("nam", "남"), ("yong", "용"), ("mok", "목"), ("sok", "속"), ("cho", "초"),
)
_RU: Syllables = (
    ("no", "но"), ("vo", "во"), ("ka", "ка"), ("ra", "ра"), ("mi", "ми"), ("lo", "ло"), ("ze", "зе"),
    ("be", "бе"), ("ro", "ро"), ("do", "до"), ("go", "го"), ("ta", "та"), ("vla", "вла"), ("di", "ди"),
    ("kha", "ха"), ("ya", "я"), ("po", "по"), ("le", "ле"), ("so", "со"), ("tu", "ту"), ("zhe", "же"),
    ("che", "че"), ("shu", "шу"), ("sto", "сто"),
)
_RU_END: Syllables = (
    ("grad", "град"), ("sk", "ск"), ("ovsk", "овск"), ("insk", "инск"), ("gorsk", "горск"),
    ("ovo", "ово"), ("yevo", "ево"), ("ino", "ино"), ("ovka", "овка"), ("ogorsk", "огорск"),
)
_UK: Syllables = (
    ("ky", "ки"), ("zhy", "жи"), ("to", "то"), ("myr", "мир"), ("pol", "пол"), ("ta", "та"),
    ("cher", "чер"), ("ni", "ні"), ("hiv", "гів"), ("vin", "він"), ("ny", "ни"), ("lu", "лу"),
    ("ha", "га"), ("ko", "ко"), ("ro", "ро"), ("sum", "сум"), ("bo", "бо"), ("dni", "дні"),
    ("pro", "про"), ("zo", "зо"), ("ye", "є"), ("yi", "ї"),
)
_UK_END: Syllables = (
    ("iv", "ів"), ("sk", "ськ"), ("ka", "ка"), ("ytsia", "иця"), ("horod", "город"), ("ove", "ове"),
    ("ivka", "івка"), ("ychi", "ичі"),
)
# Kazakh cities under their Russian (Cyrillic) names
_KZ: Syllables = (
    ("ak", "ак"), ("ta", "та"), ("al", "ал"), ("ma", "ма"), ("ka", "ка"), ("ra", "ра"), ("ga", "га"),
    ("su", "су"), ("kok", "кок"), ("shy", "шы"), ("tau", "тау"), ("tal", "тал"), ("dy", "ды"),
)
_KZ_END: Syllables = (("kol", "коль"), ("tau", "тау"), ("bek", "бек"), ("stan", "стан"), ("ty", "ты"))

# Latin scripts: (ASCII folding, spelling with diacritics)
_DE: Syllables = (
    ("mun", "mün"), ("ster", "ster"), ("ham", "ham"), ("burg", "burg"), ("dorf", "dorf"), ("kol", "köl"),
    ("ber", "ber"), ("lin", "lin"), ("fur", "für"), ("the", "the"), ("gott", "gött"), ("in", "in"),
    ("gen", "gen"), ("lu", "lü"), ("beck", "beck"), ("os", "os"), ("nab", "nab"), ("wurz", "würz"),
    ("hau", "häu"), ("sen", "sen"), ("bad", "bad"), ("stadt", "stadt"), ("heim", "heim"), ("au", "au"),
)
_FR: Syllables = (
    ("mont", "mont"), ("pel", "pel"), ("lier", "lier"), ("be", "bé"), ("ziers", "ziers"), ("nan", "nan"),
    ("tes", "tes"), ("sa", "sa"), ("int", "int"), ("e", "é"), ("tienne", "tienne"), ("cha", "châ"),
    ("teau", "teau"), ("roux", "roux"), ("gre", "gre"), ("no", "no"), ("ble", "ble"), ("ville", "ville"),
    ("rou", "rou"), ("en", "en"), ("or", "or"), ("le", "lé"), ("ans", "ans"), ("vi", "vi"),
)
_ES: Syllables = (
    ("cor", "cór"), ("do", "do"), ("ba", "ba"), ("la", "la"), ("co", "co"), ("ru", "ru"), ("na", "ña"),
    ("ma", "má"), ("la", "la"), ("ga", "ga"), ("se", "se"), ("vi", "vi"), ("lla", "lla"), ("le", "le"),
    ("on", "ón"), ("ta", "ta"), ("go", "go"), ("sa", "sa"), ("val", "val"), ("en", "en"), ("cia", "cia"),
    ("gra", "gra"), ("da", "da"), ("ca", "cá"), ("diz", "diz"),
)
_PL: Syllables = (
    ("lo", "ło"), ("dz", "dź"), ("kra", "kra"), ("kow", "ków"), ("wro", "wro"), ("cla", "cła"),
    ("wek", "wek"), ("gdan", "gdań"), ("sk", "sk"), ("poz", "poz"), ("nan", "nań"), ("to", "to"),
    ("run", "ruń"), ("bia", "bia"), ("ly", "ły"), ("sto", "sto"), ("ka", "ka"), ("lub", "lub"),
    ("lin", "lin"), ("rze", "rze"), ("szow", "szów"), ("ol", "ol"), ("sztyn", "sztyn"),
)
_TR: Syllables = (
    ("is", "İs"), ("tan", "tan"), ("bul", "bul"), ("iz", "İz"), ("mir", "mir"), ("es", "es"),
    ("ki", "ki"), ("se", "şe"), ("hir", "hir"), ("gazi", "gazi"), ("an", "an"), ("tep", "tep"),
    ("bur", "bur"), ("sa", "sa"), ("ko", "ko"), ("ca", "ca"), ("eli", "eli"), ("mu", "mu"), ("gla", "ğla"),
    ("cor", "çor"), ("lu", "lu"), ("sur", "şur"),
)
_IT: Syllables = (
    ("mi", "mi"), ("la", "la"), ("no", "no"), ("to", "to"), ("ri", "ri"), ("ve", "ve"), ("ne", "ne"),
    ("zia", "zia"), ("fi", "fi"), ("ren", "ren"), ("ze", "ze"), ("pa", "pa"), ("do", "do"), ("va", "va"),
    ("bo", "bo"), ("lo", "lo"), ("gna", "gna"), ("ca", "ca"), ("glia", "glia"), ("ri", "rì"),
)
_EN: Syllables = (
    ("spring", "spring"), ("field", "field"), ("ash", "ash"), ("ford", "ford"), ("bridge", "bridge"),
    ("port", "port"), ("land", "land"), ("wood", "wood"), ("ville", "ville"), ("ches", "ches"),
    ("ter", "ter"), ("mil", "mil"), ("ton", "ton"), ("new", "new"), ("castle", "castle"),
    ("bright", "bright"), ("brook", "brook"), ("ham", "ham"), ("dale", "dale"), ("oak", "oak"),
    ("ridge", "ridge"), ("lake", "lake"), ("stone", "stone"), ("water", "water"),
)
_PT: Syllables = (
    ("sao", "são"), ("pau", "pau"), ("lo", "lo"), ("rio", "rio"), ("cu", "cu"), ("ri", "ri"),
    ("ti", "ti"), ("ba", "ba"), ("be", "be"), ("lem", "lém"), ("ma", "ma"), ("na", "na"), ("us", "us"),
    ("flo", "flo"), ("ria", "ria"), ("no", "nó"), ("po", "po"), ("lis", "lis"), ("goi", "goi"),
    ("a", "â"), ("nia", "nia"),
)
_SV: Syllables = (
    ("go", "gö"), ("te", "te"), ("borg", "borg"), ("malm", "malm"), ("o", "ö"), ("upp", "upp"),
    ("sa", "sa"), ("la", "la"), ("vas", "väs"), ("ter", "ter"), ("as", "ås"), ("ore", "öre"),
    ("bro", "bro"), ("lin", "lin"), ("kop", "köp"), ("ing", "ing"), ("hel", "hel"), ("sing", "sing"),
)
_CS: Syllables = (
    ("pra", "pra"), ("ha", "ha"), ("br", "br"), ("no", "no"), ("os", "os"), ("tra", "tra"), ("va", "va"),
    ("pl", "pl"), ("zen", "zeň"), ("li", "li"), ("be", "be"), ("rec", "rec"), ("ces", "čes"),
    ("ke", "ké"), ("bu", "bu"), ("dej", "děj"), ("o", "o"), ("vi", "vi"), ("ce", "ce"), ("zl", "zl"),
    ("in", "ín"),
)

SCRIPTS: dict[str, tuple[Syllables, Syllables | None]] = {
    # script -> (syllables, optional endings)
    "ja": (_JA, None),
    "zh": (_ZH, None),
    "ko": (_KO, None),
    "ru": (_RU, _RU_END),
    "uk": (_UK, _UK_END),
    "kz": (_KZ, _KZ_END),
    "de": (_DE, None),
    "fr": (_FR, None),
    "es": (_ES, None),
    "pl": (_PL, None),
    "tr": (_TR, None),
    "it": (_IT, None),
    "en": (_EN, None),
    "pt": (_PT, None),
    "sv": (_SV, None),
    "cs": (_CS, None),
}

#: Scripts whose native form differs from the romanised one (a separate native label).
NON_LATIN = {"ja", "zh", "ko", "ru", "uk", "kz"}

#: Native suffix for city names in scripts that write one ("-shi", "-si").
CITY_SUFFIX = {"ja": "市", "ko": "시"}

# Person names: (romanised, native) given names and family names per script family.
GIVEN: dict[str, Syllables] = {
    "ja": (("Takeshi", "武"), ("Yuko", "優子"), ("Hiroshi", "博"), ("Akiko", "明子"), ("Kenji", "健二"),
           ("Naomi", "直美"), ("Satoshi", "聡"), ("Emi", "恵美")),
    "zh": (("Wei", "伟"), ("Fang", "芳"), ("Lei", "磊"), ("Jing", "静"), ("Yong", "勇"), ("Min", "敏")),
    "ko": (("Min-jun", "민준"), ("Seo-yeon", "서연"), ("Ji-ho", "지호"), ("Ha-eun", "하은"),
           ("Jae-won", "재원"), ("Soo-jin", "수진")),
    "ru": (("Aleksandr", "Александр"), ("Yelena", "Елена"), ("Sergey", "Сергей"), ("Olga", "Ольга"),
           ("Dmitriy", "Дмитрий"), ("Tatiana", "Татьяна"), ("Mikhail", "Михаил"), ("Irina", "Ирина")),
    "uk": (("Oleksandr", "Олександр"), ("Olena", "Олена"), ("Andriy", "Андрій"), ("Oksana", "Оксана"),
           ("Taras", "Тарас"), ("Iryna", "Ірина")),
    "kz": (("Nursultan", "Нурсултан"), ("Aigerim", "Айгерим"), ("Yerlan", "Ерлан"), ("Dana", "Дана")),
    "latin": (("Anna", "Anna"), ("Jean", "Jean"), ("Lukas", "Lukas"), ("Maria", "María"), ("Jose", "José"),
              ("Zofia", "Zofia"), ("Mehmet", "Mehmet"), ("Giulia", "Giulia"), ("John", "John"),
              ("Lena", "Léna"), ("Joao", "João"), ("Bjorn", "Björn"), ("Jiri", "Jiří"), ("Ayse", "Ayşe")),
}
FAMILY: dict[str, Syllables] = {
    "ja": (("Tanaka", "田中"), ("Suzuki", "鈴木"), ("Yamamoto", "山本"), ("Sato", "佐藤"), ("Ito", "伊藤"),
           ("Watanabe", "渡辺"), ("Nakamura", "中村"), ("Kobayashi", "小林")),
    "zh": (("Wang", "王"), ("Li", "李"), ("Zhang", "张"), ("Liu", "刘"), ("Chen", "陈"), ("Yang", "杨")),
    "ko": (("Kim", "김"), ("Lee", "이"), ("Park", "박"), ("Choi", "최"), ("Jung", "정"), ("Kang", "강")),
    "ru": (("Ivanov", "Иванов"), ("Smirnov", "Смирнов"), ("Sokolov", "Соколов"), ("Popov", "Попов"),
           ("Volkov", "Волков"), ("Morozov", "Морозов"), ("Lebedev", "Лебедев"), ("Kozlov", "Козлов")),
    "uk": (("Shevchenko", "Шевченко"), ("Bondarenko", "Бондаренко"), ("Kovalenko", "Коваленко"),
           ("Tkachenko", "Ткаченко"), ("Kravchenko", "Кравченко"), ("Melnyk", "Мельник")),
    "kz": (("Nurlanov", "Нурланов"), ("Abenov", "Абенов"), ("Seitkali", "Сейткали"), ("Zhaksybekov", "Жаксыбеков")),
    "latin": (("Muller", "Müller"), ("Martin", "Martin"), ("Garcia", "García"), ("Nowak", "Nowak"),
              ("Yilmaz", "Yılmaz"), ("Rossi", "Rossi"), ("Smith", "Smith"), ("Lefevre", "Lefèvre"),
              ("Silva", "Silva"), ("Lindqvist", "Lindqvist"), ("Novak", "Novák"), ("Schroder", "Schröder"),
              ("Wojcik", "Wójcik"), ("Ozturk", "Öztürk")),
}


def person_family(script: str) -> str:
    return script if script in GIVEN else "latin"
