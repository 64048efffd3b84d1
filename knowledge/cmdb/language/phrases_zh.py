"""Chinese phrase tables, beside the English ones in phrases.py and merged into them: the same
kinds (comparators, relation verbs, aggregates, sort words, negations, fillers), the same
meanings. Chinese puts many of them after what they modify ("16 核以上", "上海二区的不要",
"CPU 最高的"); the grammar and the assembly look on that side for Chinese words.
"""

from __future__ import annotations

COMPARATORS_ZH: dict[str, str] = {
    "超过": ">", "超出": ">", "大于": ">", "高于": ">", "多于": ">", "高过": ">", "大过": ">",
    "多过": ">", "超": ">",
    "至少": ">=", "最少": ">=", "起码": ">=", "不低于": ">=", "不小于": ">=", "不少于": ">=",
    "大于等于": ">=", "大于或等于": ">=", "≥": ">=",
    "小于": "<", "低于": "<", "少于": "<", "不到": "<", "不足": "<", "不满": "<", "未满": "<",
    "小过": "<",
    "不超过": "<=", "不超出": "<=", "不高于": "<=", "不大于": "<=", "不多于": "<=", "最多": "<=",
    "至多": "<=", "顶多": "<=", "小于等于": "<=", "小于或等于": "<=", "≤": "<=",
    "等于": "=", "正好": "=", "恰好": "=", "不等于": "!=",
    "介于": "between", "在": "between", "从": "between",
}  # fmt: skip

POST_COMPARATORS_ZH: dict[str, str] = {
    "以上": ">=", "及以上": ">=", "或以上": ">=", "或更多": ">=", "或更高": ">=", "起": ">=",
    "以下": "<=", "及以下": "<=", "或以下": "<=", "以内": "<=", "之内": "<=", "或更少": "<=",
    "或更低": "<=",
}  # fmt: skip

# "20 到 40", "介于 20% 和 40% 之间"
RANGE_JOINERS_ZH = frozenset(["到", "至", "和", "与"])
RANGE_TO_ZH = frozenset(["到", "至"])  # a range said number first: "20 到 40"

# `reverse`: the item said before the verb is where things run ("web-01 上跑着哪些服务",
# "哪些主机上跑着 payment-api"), the opposite of English "runs on".
RELATION_PHRASES_ZH: dict[str, tuple[str, str]] = {
    "跑在": ("runs_on", "positional"), "运行在": ("runs_on", "positional"),
    "部署在": ("runs_on", "positional"), "部署到": ("runs_on", "positional"),
    "装在": ("runs_on", "positional"), "安装在": ("runs_on", "positional"),
    "托管在": ("runs_on", "positional"),
    "上跑着": ("runs_on", "reverse"), "上跑了": ("runs_on", "reverse"),
    "上面跑着": ("runs_on", "reverse"), "上面跑了": ("runs_on", "reverse"),
    "上运行着": ("runs_on", "reverse"), "上运行的": ("runs_on", "reverse"),
    "上部署了": ("runs_on", "reverse"), "上部署的": ("runs_on", "reverse"),
    "上跑的": ("runs_on", "reverse"), "上面部署了": ("runs_on", "reverse"),
    "上面运行着": ("runs_on", "reverse"),
    "跑着": ("runs_on", "both"), "跑了": ("runs_on", "both"), "运行着": ("runs_on", "both"),
    "部署了": ("runs_on", "both"), "部署着": ("runs_on", "both"), "承载": ("runs_on", "both"),
    "依赖": ("depends_on", "positional"), "依赖于": ("depends_on", "positional"),
    "调用": ("depends_on", "positional"), "调用了": ("depends_on", "positional"),
    "用到": ("depends_on", "positional"), "用到了": ("depends_on", "positional"),
    "使用": ("depends_on", "positional"), "使用了": ("depends_on", "positional"),
    "用了": ("depends_on", "positional"), "需要": ("depends_on", "positional"),
    "的依赖": ("depends_on", "out"), "的下游": ("depends_on", "out"), "下游": ("depends_on", "out"),
    "被依赖": ("depends_on", "in"), "被调用": ("depends_on", "in"), "被使用": ("depends_on", "in"),
    "的上游": ("depends_on", "in"), "上游": ("depends_on", "in"),
    "属于": ("member_of", "positional"), "的成员": ("member_of", "in"),
    "成员": ("member_of", "in"),
    "连接到": ("connects_to", "positional"), "连到": ("connects_to", "positional"),
    "转发到": ("connects_to", "positional"), "指向": ("connects_to", "positional"),
    "后面的": ("connects_to", "out"), "后面": ("connects_to", "out"),
    "相关的": ("", "both"), "关联的": ("", "both"), "相连的": ("", "both"), "周边": ("", "both"),
    "邻居": ("", "both"),
}  # fmt: skip

AGG_WORDS_ZH: dict[str, str] = {
    **{
        f"{have}{how}{unit}": "count"
        for have in ("", "有", "一共有", "总共有", "共有")
        for how in ("多少", "几")
        for unit in ("", "台", "个", "套", "种", "条")
        if how != "几" or unit
    },
    "数量": "count", "总数": "count", "个数": "count", "台数": "count", "数目": "count",
    "数": "count", "统计": "count", "计数": "count", "总量": "count",
    "平均": "avg", "平均值": "avg", "均值": "avg",
    "总和": "sum", "合计": "sum", "总计": "sum", "之和": "sum",
    "最大值": "max", "峰值": "max", "最小值": "min",
}  # fmt: skip

GROUP_WORDS_ZH: dict[str, str] = {
    "每个": "", "每": "", "每一个": "", "各个": "", "各": "", "分别": "", "按各": "",
}  # fmt: skip
BY_WORDS_ZH = frozenset(["按", "按照", "根据"])  # like "by": group or sort, by what follows

SORT_WORDS_ZH: dict[str, tuple[str, str]] = {
    "最高": ("desc", ""), "最大": ("desc", ""), "最多": ("desc", ""), "最长": ("desc", ""),
    "最低": ("asc", ""), "最小": ("asc", ""), "最少": ("asc", ""), "最短": ("asc", ""),
    "最忙": ("desc", "cpu_usage"), "最繁忙": ("desc", "cpu_usage"),
    "负载最高": ("desc", "cpu_usage"), "最空闲": ("asc", "cpu_usage"),
    "最闲": ("asc", "cpu_usage"), "负载最低": ("asc", "cpu_usage"),
    "最满": ("desc", "disk_usage"), "最空": ("asc", "disk_usage"),
    "前": ("desc", ""), "排名前": ("desc", ""), "排前": ("desc", ""), "排序": ("desc", ""),
    "排名": ("desc", ""), "排一下序": ("desc", ""),
    "从高到低": ("desc", "!mod"), "从大到小": ("desc", "!mod"), "降序": ("desc", "!mod"),
    "倒序": ("desc", "!mod"), "从低到高": ("asc", "!mod"), "从小到大": ("asc", "!mod"),
    "升序": ("asc", "!mod"), "正序": ("asc", "!mod"),
}  # fmt: skip
# Superlatives name one item when no count is said ("CPU 最高的主机"); "排序" orders them all.
SUPERLATIVE_PREFIX_ZH = ("最", "负载最")

LIMIT_WORDS_ZH: dict[str, str] = {"只要": "", "只看": "", "只列": ""}

NEGATIONS_ZH: dict[str, str] = {
    "不在": "", "不是": "", "非": "", "不": "", "不属于": "", "除了": "", "除去": "", "除": "",
    "排除": "", "不包括": "", "不包含": "", "不含": "", "不要": "", "除外": "", "不算": "",
    "去掉": "", "不看": "", "不用": "", "不位于": "",
}  # fmt: skip

OR_WORDS_ZH: dict[str, str] = {"或": "", "或者": "", "或是": "", "还是": ""}

DEPTH_WORDS_ZH: dict[str, str] = {"间接": "", "递归": "", "所有层级": "", "整条链路": "",
                                  "全链路": "", "直接或间接": "", "一路": ""}  # fmt: skip

OUTPUT_WORDS_ZH: dict[str, str] = {
    "拓扑": "topology", "拓扑图": "topology", "关系图": "topology", "依赖图": "topology",
    "画": "topology", "画出": "topology", "画一下": "topology", "架构图": "topology",
    "分布": "stats", "统计图": "stats", "报表": "stats",
}  # fmt: skip

SEMANTIC_WORDS_ZH: dict[str, str] = {"类似": "", "相似": "", "类似于": ""}

STOP_PHRASES_ZH: dict[str, str] = {"负责": "", "负责的": "", "管理的": "", "归属于": ""}

# Words between an item's name and the type word that classifies it ("X 这个集群").
DEMONSTRATIVES_ZH = frozenset(["这个", "这台", "那个", "那台", "该", "这"])

# Connectives that join two conditions ("上海一区和北京一区", "sh-1 及 bj-1"): 'and'.
AND_WORDS_ZH = frozenset(["和", "与", "及", "以及", "且", "并且", "而且", "同时", "还有", "并"])

# fmt: off
STOPWORDS_ZH: frozenset[str] = frozenset([
    "的", "得", "地", "了", "吗", "呢", "啊", "吧", "呀", "嘛", "哦", "么", "哪些", "哪个", "哪台",
    "哪几台", "哪几个", "什么", "啥", "有", "都", "都有", "是", "为", "在", "于", "里", "里面",
    "中", "之中", "内", "上", "上面", "下", "下面", "下的", "之下", "这个", "这些", "那个", "那些",
    "这台", "这", "那", "该", "其", "它", "它们", "所有", "全部", "全部的", "一切", "各自", "已经",
    "已", "目前", "当前", "现在", "现有", "一共", "总共", "共", "台", "个", "套", "些", "种",
    "条", "以外", "之外", "之间", "位于", "处于", "一下", "列一下", "列出", "列出来", "列", "显示",
    "查", "查询", "查一下", "查下", "看看", "看一下", "看下", "帮我", "帮忙", "给我", "我", "我们",
    "请", "请问", "想", "想要", "知道", "要", "找", "找出", "找一下", "找到", "告诉我",
    "分组", "情况", "多", "那台", "当中", "可以", "能", "需要的", "对应",
    "对应的", "还", "也", "分别是", "分别有", "各有", "各自有", "一共是", "有没有",
    "看", "用", "被", "由", "归", "属", "主要", "具体", "正在", "写", "写的", "编写", "编写的", "详细", "信息", "列表", "清单", "名单",
])
# fmt: on
