"""The offline renderer's word lists: colours, garments, accessories, scenes, props and light.

English and Chinese words both count, since character specs are written in either. Tables are
ordered where it matters: the first entry that matches wins, so specific phrases come before the
words they contain ("santa hat" before "hat", "coffee shop" before "shop").
"""

from __future__ import annotations

RGB = tuple[int, int, int]

COLOURS: dict[str, RGB] = {
    "orange": (255, 140, 0),
    "橙": (255, 140, 0),
    "橘": (255, 140, 0),
    "blue": (40, 110, 230),
    "蓝": (40, 110, 230),
    "navy": (20, 40, 110),
    "light blue": (135, 190, 245),
    "浅蓝": (135, 190, 245),
    "天蓝": (135, 200, 245),
    "red": (215, 40, 40),
    "红": (215, 40, 40),
    "yellow": (250, 210, 40),
    "黄": (250, 210, 40),
    "gold": (230, 180, 40),
    "金": (230, 180, 40),
    "green": (50, 160, 80),
    "绿": (50, 160, 80),
    "purple": (140, 70, 190),
    "紫": (140, 70, 190),
    "pink": (245, 140, 180),
    "粉": (245, 140, 180),
    "white": (250, 250, 250),
    "白": (250, 250, 250),
    "black": (30, 30, 35),
    "黑": (30, 30, 35),
    "brown": (120, 75, 40),
    "棕": (120, 75, 40),
    "褐": (120, 75, 40),
    "咖啡色": (120, 75, 40),
    "grey": (140, 140, 140),
    "gray": (140, 140, 140),
    "灰": (140, 140, 140),
    "silver": (200, 200, 210),
    "银": (200, 200, 210),
    "teal": (0, 140, 140),
    "cyan": (40, 200, 220),
    "青": (40, 200, 220),
    "beige": (255, 228, 181),
    "cream": (255, 240, 200),
    "米": (255, 228, 181),
}

# garment slot -> words that name it (the colours of these live on Look's own fields)
GARMENTS: dict[str, tuple[str, ...]] = {
    "hair": ("hair", "pigtails", "ponytail", "头发", "马尾", "辫"),
    "top": (
        "hoodie",
        "jacket",
        "shirt",
        "sweater",
        "top",
        "coat",
        "dress",
        "卫衣",
        "外套",
        "衬衫",
        "上衣",
        "毛衣",
    ),
    "bottom": ("skirt", "pants", "trousers", "shorts", "jeans", "裙", "裤"),
    "eyes": ("eyes", "eye", "眼"),
}

# accessory kind -> words; specific kinds first. Kinds in one GROUP replace each other.
ACCESSORIES: dict[str, tuple[str, ...]] = {
    "santa_hat": ("santa hat", "santa claus hat", "christmas hat", "xmas hat", "santa", "圣诞帽"),
    "fruit_clip": (
        "orange-fruit",
        "orange fruit",
        "orange-shaped",
        "orange shaped",
        "fruit clip",
        "fruit hair",
        "tangerine",
        "橘子发",
        "橙子发",
        "水果发",
    ),
    "bow": ("bow", "ribbon", "蝴蝶结"),
    "clip": ("hair clip", "hair accessory", "clip", "hairpin", "barrette", "发夹", "发饰", "发卡"),
    "hat": ("hat", "cap", "beanie", "帽"),
    "apron": ("apron", "围裙"),
    "scarf": ("scarf", "围巾"),
    "glasses": ("glasses", "spectacles", "眼镜"),
    "backpack": ("backpack", "bag", "背包", "书包"),
}
GROUPS: dict[str, tuple[str, ...]] = {
    "head": ("santa_hat", "hat"),
    "hair ornament": ("fruit_clip", "bow", "clip"),
}
# A word that names a whole group ("hat", "clip") means the one the character already wears.
GENERIC_KIND = {"hat": "head", "clip": "hair ornament"}
ACCESSORY_COLOURS: dict[str, RGB] = {
    "santa_hat": (215, 40, 40),
    "fruit_clip": (255, 140, 0),
    "apron": (250, 250, 250),
}
DEFAULT_ACCESSORY_COLOUR: RGB = (220, 60, 60)

SCENES: dict[str, tuple[str, ...]] = {
    "christmas": ("christmas", "xmas", "圣诞"),
    "blossoms": ("cherry blossom", "cherry tree", "sakura", "hanami", "樱花"),
    "cafe": ("cafe", "café", "coffee shop", "coffeehouse", "咖啡馆", "咖啡店"),
    "library": ("library", "bookshop", "bookstore", "bookshelf", "图书馆", "书店"),
    "supermarket": ("supermarket", "grocery", "market", "shop", "store", "超市", "市场"),
    "beach": ("beach", "sea", "ocean", "seaside", "sand", "海滩", "海边", "沙滩"),
    "office": ("office", "desk", "work", "办公"),
    "kitchen": ("kitchen", "cook", "cooking", "厨房", "做饭", "烘焙"),
    "park": ("park", "garden", "forest", "grass", "公园", "花园", "森林"),
    "snow": ("snow", "winter", "ski", "雪", "冬"),
    "night": ("night", "moon", "stars", "evening", "夜", "月"),
    "city": ("city", "street", "town", "城市", "街"),
    "space": ("space", "planet", "rocket", "太空", "宇宙"),
}
INDOOR = frozenset({"christmas", "cafe", "library", "supermarket", "office", "kitchen", "studio"})
SCENE_TITLES = {
    "christmas": "room decorated for Christmas",
    "blossoms": "cherry blossoms",
    "studio": "plain studio",
}

# prop -> words. Props stand in the scene or are held; they stay until the scene changes.
PROPS: dict[str, tuple[str, ...]] = {
    "bench": ("bench", "长椅", "长凳"),
    "book": ("book", "novel", "reading", "看书", "读书", "书本", "一本书"),
    "oranges": ("oranges", "tangerines", "mandarins", "橘子", "橙子"),
    "basket": ("shopping basket", "basket", "shopping cart", "cart", "trolley", "购物篮", "篮子"),
    "cup": ("cup", "mug", "coffee", "tea", "latte", "杯", "茶"),
    "cookies": (
        "cookies",
        "cookie",
        "cake",
        "cupcake",
        "bread",
        "pie",
        "baking",
        "bake",
        "蛋糕",
        "饼干",
        "面包",
    ),
    "tree": ("christmas tree", "xmas tree", "tree", "圣诞树", "树"),
    "gift": ("gift", "present", "礼物"),
    "umbrella": ("umbrella", "伞"),
    "balloon": ("balloon", "气球"),
    "flowers": ("flowers", "flower", "bouquet", "花束", "鲜花"),
}
HELD = ("book", "cup", "oranges", "basket", "umbrella", "balloon", "flowers", "cookies")

LIGHTS: dict[str, tuple[str, ...]] = {
    "sunset": ("sunset", "sundown", "dusk", "golden hour", "sunrise", "dawn", "日落", "夕阳", "黄昏", "日出"),
}

# brightness word -> (lightness move, saturation factor), in HLS: a positive move goes that share of
# the way to white, a negative one that share of the way to black.
BRIGHTNESS: dict[str, tuple[float, float]] = {
    "brighter": (0.3, 1.15),
    "brighten": (0.3, 1.15),
    "bright": (0.25, 1.15),
    "lighter": (0.3, 1.0),
    "lighten": (0.3, 1.0),
    "paler": (0.45, 0.7),
    "pale": (0.45, 0.7),
    "pastel": (0.45, 0.7),
    "darker": (-0.3, 1.0),
    "darken": (-0.3, 1.0),
    "deeper": (-0.25, 1.1),
    "dark": (-0.3, 1.0),
    "更亮": (0.3, 1.15),
    "亮": (0.3, 1.15),
    "浅": (0.3, 1.0),
    "淡": (0.45, 0.7),
    "更深": (-0.3, 1.0),
    "深": (-0.3, 1.0),
    "暗": (-0.3, 1.0),
}

# Words that need nothing drawn: function words, common verbs and adjectives, and nouns for the
# picture itself. A typed word outside every table and this list is reported as not drawn.
NEEDS_NOTHING = frozenset(
    " ".join(
        (
            "a an the some any this that these those her his their its my our your she he they it him them",
            "we you i me and or but with without in on at by near under over beside behind next to of for",
            "from into onto up down out off around inside outside through while as then also too very more",
            "less much many is are was were be been being am do does did has have had will would can could",
            "should may might make makes made give gives put puts add adds let change turn keep same now",
            "again please still wear wears wore sit sits sat stand stands stood walk walks go goes went hold",
            "holds read reads pick picks eat eats drink drinks look looks see watch play plays take remove",
            "no not off enjoy enjoys decorate decorate stay stays get gets come comes like likes love loves",
            "big small little tiny large huge cute happy sad smiling smile smiles cheerful new old nice",
            "pretty beautiful lovely cozy cosy warm cold hot sunny cloudy quiet busy full fresh sweet",
            "favourite favorite one two three few lot lots pair front back side left right middle centre",
            "center top bottom day time moment scene background picture photo image shot view pose style way",
            "place room character girl boy person kid child woman man lady full body portrait close closeup",
            "colour color shade tone bit slightly lot plain simple wave waves jump jumps run runs dance",
            "dances laugh laughs sing sings sleep sleeps think talk point clap hug hugs greet say says hello",
            "smile camera viewer",
            # Function words of the languages a spec is most often written in besides English: the
            # renderer reads none of them, so only their content words are worth naming as not drawn.
            "le la les un une des du de au aux et ou avec sans dans sur sous pour par chez est sont",
            "el los las unos unas del al y o con sin en sobre bajo para por es son una",
            "der die das ein eine einen dem den des und oder mit ohne im auf unter für ist sind",
            "il lo gli uno della dello con senza nel sul per sono una di da e o",
            "os um uma dos das do da em no na com sem sobre para são",
        )
    ).split()
)
