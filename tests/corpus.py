"""Generated content folders: posts like the real site's, the same for a seed (standard library).

The site feedsvc was made for republishes Chinese financial news (see feedsvc/example). Each post is
a flat file `NNN_<16 hex digits>.txt` with Jekyll front matter (`layout`, `title`, `date`,
`categories`, `tags`, now and then `author`, `excerpt` or `published: false`) and a body of HTML
paragraphs followed by Markdown: an autolink to the original and protocol-relative links back to
the site. What real writers vary, this varies on purpose:

- dates: mostly `2022-05-30 11:16:46 +0800`, some with another offset, some in ISO 8601
  (`2021-03-04T05:06:07+08:00`, `...Z`), some a bare date; spread over 2020-2022, except a few
  posts dated some seventy years ahead (future posts, held back by the feeds);
- categories: one news source each (a few posts have two), about 35 sources of skewed popularity,
  slugs in pinyin, some with a middle dot (`xinhuashe·xinhuawang`);
- tags: 1 to 4 Chinese names, most posts tagged with their source (`新华社·新华网新闻`), the rest
  drawn with a Zipf-like popularity from a few thousand, a few with spaces or punctuation
  (`A股 早盘`, `“十四五”规划`, `600519.SH`);
- how a field is written: a plain scalar, a whitespace-separated string (Jekyll splits it), a flow
  list or a block list; titles plain, double- or single-quoted;
- bodies: 3 to 14 paragraphs (3.5 KB a file on average), some bold, some with a Markdown list
  or heading.

Every file is a valid post: a test that needs a bad file writes its own. Post i depends only on the
seed and i, so a smaller corpus holds the same posts as the start of a larger one.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import random
import re
from pathlib import Path


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# (category slug, source name): the news sources, most popular first.
SOURCES = (
    ("xinhuashe·xinhuawang", "新华社·新华网"),
    ("shanghaizhengquanbao·zhongguozhengquanwang", "上海证券报·中国证券网"),
    ("zhengquanshibao·zhengquanshibaowang", "证券时报·证券时报网"),
    ("cailianshe", "财联社"),
    ("zhongguozhengquanbao·zhongzhengwang", "中国证券报·中证网"),
    ("diyicaijing", "第一财经"),
    ("jingjiribao·zhongguojingjiwang", "经济日报·中国经济网"),
    ("caixinwang", "财新网"),
    ("21shijijingjibaodao", "21世纪经济报道"),
    ("jiemianxinwen", "界面新闻"),
    ("renminribao·renminwang", "人民日报·人民网"),
    ("meirijingjixinwen", "每日经济新闻"),
    ("huaerjiejianwen", "华尔街见闻"),
    ("pengpaixinwen", "澎湃新闻"),
    ("zhitongcaijing", "智通财经"),
    ("xinjingbao·beikecaijing", "新京报·贝壳财经"),
    ("dongfangcaifuwang", "东方财富网"),
    ("gelonghui", "格隆汇"),
    ("zhongguojijinbao", "中国基金报"),
    ("jinrongshibao·zhongguojinrongxinwenwang", "金融时报·中国金融新闻网"),
    ("xinlangcaijing", "新浪财经"),
    ("jingjiguanchabao", "经济观察报"),
    ("beijingshangbao", "北京商报"),
    ("zhongxinjingwei", "中新经纬"),
    ("huaxiashibao", "华夏时报"),
    ("zhongguojingyingbao", "中国经营报"),
    ("yangguangwang", "央广网"),
    ("36kr", "36氪"),
    ("jinrongjie", "金融界"),
    ("guojijinrongbao", "国际金融报"),
    ("shidaizhoubao", "时代周报"),
    ("hexunwang", "和讯网"),
    ("tonghuashuncaijing", "同花顺财经"),
    ("zhongguowang·caijing", "中国网·财经"),
    ("nanfangcaijing", "南方财经"),
)
COMPANIES = _words(
    "工商银行 建设银行 农业银行 中国银行 交通银行 招商银行 浦发银行 民生银行 光大银行 "
    "北京银行 江苏银行 南京银行 杭州银行 中信建投 广发证券 海通证券 招商证券 东方证券 "
    "南方基金 嘉实基金 广发基金 汇添富基金 中国太保 新华保险 中国人保 五粮液 泸州老窖 "
    "伊利股份 格力电器 美的集团 海尔智家 恒瑞医药 片仔癀 爱尔眼科 阳光电源 通威股份 "
    "亿纬锂能 赣锋锂业 天齐锂业 中国中免 顺丰控股 中远海控 宝钢股份 万华化学 中国建筑 "
    "中国中铁 中国电信 中国联通 京东方 立讯精密 海康威视 科大讯飞 百度 拼多多 网易 "
    "蔚来 理想汽车 小鹏汽车 吉利汽车 长安汽车"
)
AUTHORITIES = _words(
    "央行 国务院 国资委 外汇局 金融监管总局 工信部 住建部 农业农村部 海关总署 "
    "上交所 深交所 北交所 港交所 中证协 中基协"
)
CITIES = _words(
    "北京 上海 广州 深圳 杭州 宁波 南京 苏州 无锡 成都 重庆 武汉 长沙 西安 青岛 大连 福州 昆明"
)
THEMES = _words(
    "科技创新 绿色低碳 数字经济 普惠金融 养老金融 乡村振兴 共同富裕 一带一路 新基建 "
    "新能源 储能 氢能 光伏 风电 锂电池 算力 大模型 人形机器人 半导体设备 工业母机 "
    "创新药 医疗器械 消费电子 智能汽车 低空经济 预制菜 文旅消费 首发经济 跨境支付 "
    "数字人民币 绿色债券 地方专项债 城投债 可转债 公募REITs 量化交易 融资融券 "
    "北向资金 南向资金 汇率 黄金 原油 铜价 猪周期 社融 信贷 降准 降息 存款利率"
)
INDICES = _words("上证指数 深证成指 创业板指 科创50 沪深300 中证1000 恒生指数 恒生科技指数 北证50")
ACTIONS = _words(
    "出台 印发 发布 推出 启动 落地 升级 扩容 优化 调整 公布 披露 签约 完成 加码 收紧 放宽 征求意见"
)
MEASURES = _words(
    "实施方案 管理办法 若干措施 专项行动 试点方案 监管规则 信贷支持计划 再贷款工具 "
    "三季报 年度报告 分红预案 回购方案 增持计划 定增方案 重大资产重组 战略合作 "
    "产品发行 风险处置 服务升级 发展规划"
)
MOODS = _words(
    "稳中向好 持续回暖 好于预期 不及预期 小幅上扬 明显放缓 创年内新高 跌至年内低点 "
    "保持平稳 温和回升 高位震荡 大幅波动 量价齐升 延续分化"
)
TAG_ENDINGS = _words("板块 概念股 产业链 政策 动态 观察 数据 研报 专题 公告 早报 快评 风向")
ODD_TAGS = (
    "A股 早盘",
    "港股 午评",
    "“十四五”规划",
    "H股（港股）",
    "LPR/MLF",
    "600519.SH",
    "0700.HK",
    "ST板块",
    "#科创板#",
    "ESG: 评级",
    "美联储 议息会议",
    "Q3 财报季",
    "5G+工业互联网",
    "e-CNY",
    "IPO",
    "REITs",
    "C端消费 & 零售",
    "双11",
)
REPORTERS = _words("陈晓 林立 黄蕾 王一凡 赵楠 孙悦 周密 吴桐 郑航 冯越 许诺 何静")
OTHER_OFFSETS = ("+0000", "+0900", "-0500", "+0530", "-0700", "+0100")
FIRST_DAY = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # dates are written as wall-clock times
SPAN_SECONDS = 3 * 365 * 86_400
FUTURE_YEARS = 70  # future posts stay in the future for as long as these tests live
MUTATED_FROM = dt.datetime(2023, 1, 2, 9, tzinfo=dt.UTC)  # posts mutate() adds: newest of all
SITE = "//finews.withounder.com/"
ORIGINAL = "http://finews.zning.xyz/html_News/NewsShare.html?infoCode="
_PLAIN = re.compile(r"[^\W\d_][\w·]*")  # safe as a plain YAML scalar: a letter, then letters


def generate(folder: Path, posts: int, seed: int = 1) -> Path:
    """Write `posts` posts into folder (made if missing), the same files for a seed; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    width = max(3, len(str(posts - 1)))
    for number in range(posts):
        name, text = _post(random.Random(f"{seed}/{number}"), seed, number, width)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def mutate(folder: Path, count: int) -> None:
    """What a day on the live site changes: `count` posts corrected (a new title, a correction
    before the first paragraph) and `count` new posts, newer than every generated one."""
    files = sorted(folder.glob("*.txt"))
    rng = random.Random(f"mutate/{len(files)}")
    for path in rng.sample(files, min(count, len(files))):
        text = path.read_text(encoding="utf-8")
        old = re.search(r"^title: .*$", text, flags=re.MULTILINE)
        assert old is not None, path
        text = text.replace(old.group(), f"title: {_scalar(_title(rng) + '（更正）')}", 1)
        text = text.replace("\n---\n", f"\n---\n<p>【更正】{_sentence(rng)}</p> ", 1)
        path.write_text(text, encoding="utf-8")
    width = max(3, len(str(len(files) + count - 1)))
    for number in range(len(files), len(files) + count):
        when = MUTATED_FROM + dt.timedelta(minutes=number)
        name, text = _post(random.Random(f"mutate/{number}"), 1, number, width, when)
        (folder / name).write_text(text, encoding="utf-8")


def _post(
    rng: random.Random, seed: int, number: int, width: int, when: dt.datetime | None = None
) -> tuple[str, str]:
    """(file name, text) of post `number`, drawn from rng; its tags from the seed's."""
    slug, source = rng.choices(SOURCES, cum_weights=_source_weights())[0]
    if when is None:
        when = FIRST_DAY + dt.timedelta(seconds=rng.randrange(SPAN_SECONDS))
        if rng.random() < 0.005:
            when += dt.timedelta(days=FUTURE_YEARS * 365)
    categories = [slug]
    if rng.random() < 0.04:
        categories.append(rng.choice(SOURCES)[0])
    categories = list(dict.fromkeys(categories))
    tags = [f"{source}新闻"] if rng.random() < 0.8 else []
    tags += _tags(rng, seed, rng.choices((1, 2, 3, 4), weights=(40, 35, 15, 10))[0] - len(tags))
    lines = ["---", "layout: post", f"title: {_title_field(rng)}", f"date: {_date(rng, when)}"]
    lines += [_field(rng, "categories", categories), _field(rng, "tags", tags)]
    if rng.random() < 0.15:
        lines.append(f"author: {_scalar('记者 ' + rng.choice(REPORTERS))}")
    if rng.random() < 0.1:
        lines.append(f"excerpt: {_scalar(_sentence(rng))}")
    if rng.random() < 0.01:
        lines.append("published: false")
    lines.append("---")
    code = f"NW{when:%Y%m%d}{rng.randrange(10**10):010d}"
    name = f"{number:0{width}d}_{rng.getrandbits(64):016x}.txt"
    return name, "\n".join(lines) + "\n" + _body(rng, slug, source, code)


@functools.cache
def _source_weights() -> list[float]:
    return list(itertools.accumulate(1 / rank**0.8 for rank in range(1, len(SOURCES) + 1)))


@functools.cache
def _tag_pool(seed: int) -> tuple[list[str], list[float]]:
    """A few thousand tags and their cumulative Zipf-like weights, most popular first: the odd
    ones among the popular, the rest shuffled for the seed."""
    rng = random.Random(f"{seed}/tags")
    popular = list(ODD_TAGS)
    names = {
        subject + ending
        for subjects in (COMPANIES, AUTHORITIES, CITIES, THEMES, INDICES)
        for subject in subjects
        for ending in (*TAG_ENDINGS, "")
    } | {city + theme for city in CITIES for theme in THEMES}
    rest = sorted(names - set(popular))
    rng.shuffle(rest)
    pool = popular + rest
    return pool, list(itertools.accumulate(1 / rank**1.05 for rank in range(1, len(pool) + 1)))


def _tags(rng: random.Random, seed: int, count: int) -> list[str]:
    pool, weights = _tag_pool(seed)
    tags: list[str] = []
    while len(tags) < count:
        tag = rng.choices(pool, cum_weights=weights)[0]
        if tag not in tags:
            tags.append(tag)
    return tags


def _date(rng: random.Random, when: dt.datetime) -> str:
    form = rng.random()
    if form < 0.03:
        return f"{when:%Y-%m-%d}"  # a bare date: midnight in the site's zone
    if form < 0.05:
        return f"{when:%Y-%m-%dT%H:%M:%S}Z"
    if form < 0.08:
        return f"{when:%Y-%m-%dT%H:%M:%S}+08:00"
    if form < 0.14:
        return f"{when:%Y-%m-%d %H:%M:%S} {rng.choice(OTHER_OFFSETS)}"
    return f"{when:%Y-%m-%d %H:%M:%S} +0800"


def _title(rng: random.Random) -> str:
    """A headline. Never with an ASCII `: ` or ` #`: tests mark a post by prefixing its title
    (`title: 改"..."`), which must stay valid YAML."""
    company, theme, city = rng.choice(COMPANIES), rng.choice(THEMES), rng.choice(CITIES)
    action, measure, mood = rng.choice(ACTIONS), rng.choice(MEASURES), rng.choice(MOODS)
    change = f"{rng.choice(('涨', '跌'))}{rng.randint(0, 4)}.{rng.randint(0, 99):02d}%"
    return rng.choices(
        [
            f"{rng.choice(AUTHORITIES)}{action}{theme}{measure}",
            f"{company}{city}分行{action}{theme}{rng.randint(3, 30)}项举措",
            f"{rng.choice(INDICES)}{change}，{theme}{mood}",
            f"{company}：{measure}{mood}",
            f"“{theme}”提速 {company}{action}{measure}",
            f'{company}("{theme}") {action}{measure} & {mood}',
        ],
        weights=[30, 25, 20, 15, 8, 2],
    )[0]


def _title_field(rng: random.Random) -> str:
    title = _title(rng)
    if "'" not in title and rng.random() < 0.1:
        return f"'{title}'"
    return _scalar(title)


def _sentence(rng: random.Random) -> str:
    company, theme, city = rng.choice(COMPANIES), rng.choice(THEMES), rng.choice(CITIES)
    action, measure, mood = rng.choice(ACTIONS), rng.choice(MEASURES), rng.choice(MOODS)
    growth = f"{rng.randint(1, 60)}.{rng.randint(0, 9)}%"
    level = f"{rng.randint(1000, 20000)}.{rng.randint(0, 99):02d}点"
    sentence = rng.choice(
        [
            f"记者从{company}获悉，其{city}团队已{action}{theme}{measure}",
            f"{rng.choice(AUTHORITIES)}有关负责人表示，{theme}工作{mood}",
            f"前{rng.randint(2, 11)}个月，{city}{theme}相关投资同比增长{growth}",
            f"截至发稿，{rng.choice(INDICES)}报{level}，{theme}板块{mood}",
            f"业内人士指出，{theme}{mood}，下阶段应重点关注{rng.choice(THEMES)}",
            f"{company}相关人士称，公司将围绕“{theme}”持续{action}{measure}",
            f"据不完全统计，今年以来已有{rng.randint(5, 300)}家机构参与{theme}相关业务",
        ]
    )
    return sentence + "。"


def _body(rng: random.Random, slug: str, source: str, code: str) -> str:
    paragraphs = []
    for _ in range(rng.randint(3, 14)):
        text = "".join(_sentence(rng) for _ in range(rng.choice((2, 3, 4, 4, 5, 5, 6, 7))))
        if rng.random() < 0.07:
            text = f"<strong>{text}</strong>"
        paragraphs.append(f"<p>{text}</p>")
    joiner = " " if rng.random() < 0.8 else "\n"
    body = joiner.join(paragraphs) + f'<p class="em_media">（文章来源：{source}）</p>\n\n'
    if rng.random() < 0.08:
        figures = (f"- {_sentence(rng)}" for _ in range(rng.randint(2, 4)))
        body += "**要点**\n\n" + "\n".join(figures) + "\n\n"
    if rng.random() < 0.05:
        body += f"## 相关阅读\n\n{_sentence(rng)}\n\n"
    if rng.random() < 0.9:
        body += f"<{ORIGINAL}{code}>\n\n"
    return body + f"[返回{source}新闻]({SITE}category/{slug}.html)｜[返回首页]({SITE})\n"


def _field(rng: random.Random, key: str, names: list[str]) -> str:
    """`key: names` in one of the ways writers put it."""
    if len(names) == 1 and " " not in names[0] and rng.random() < 0.85:
        return f"{key}: {_scalar(names[0])}"
    if not any(" " in name for name in names) and rng.random() < 0.4:
        return f"{key}: {_scalar(' '.join(names))}"  # Jekyll splits a string on white space
    if rng.random() < 0.5:
        return f"{key}: [{', '.join(_scalar(name) for name in names)}]"
    return f"{key}:" + "".join(f"\n  - {_scalar(name)}" for name in names)


def _scalar(text: str) -> str:
    """text as a YAML scalar: plain when that is safe (also in a flow list), else double-quoted."""
    if all(_PLAIN.fullmatch(word) for word in text.split(" ")):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
