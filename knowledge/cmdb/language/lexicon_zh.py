"""Chinese names for CI types, attributes and values, beside the English lexicon.

They become keys like the English synonyms (encoded once, cached): a Chinese word links to
its type, attribute or value by attention, and one missing here can still link when the
encoder puts it near a key (`multilingual`). Values are named by their parts, so an estate
with other values of the same kind (`sh-3`, `team-ads`) gets Chinese keys too.
"""

from __future__ import annotations

import re

from knowledge.cmdb.language.chinese import compact

TYPE_ZH: dict[str, list[str]] = {
    "host": ["主机", "服务器", "机器", "节点", "虚拟机", "物理机", "云主机", "宿主机", "机子"],
    "service": ["服务", "应用", "微服务"],
    "database": ["数据库", "库", "数据库实例"],
    "cache": ["缓存", "缓存实例"],
    "queue": ["队列", "消息队列", "消息中间件"],
    "load_balancer": ["负载均衡", "负载均衡器"],
    "cluster": ["集群", "k8s 集群", "kubernetes 集群"],
}

# Words that name several types at once: "依赖哪些服务和数据存储".
TYPE_GROUPS_ZH: dict[str, tuple[str, ...]] = {
    "数据存储": ("database", "cache", "queue"),
    "存储": ("database", "cache", "queue"),
    "中间件": ("cache", "queue"),
}

ATTR_ZH: dict[str, list[str]] = {
    "type": ["类型", "种类"],
    "env": ["环境"],
    "idc": ["机房", "数据中心", "区域", "地域", "可用区", "idc 机房"],
    "owner": ["负责人", "团队", "负责团队", "归属团队", "所属团队"],
    "os": ["操作系统", "系统", "os 版本"],
    "role": ["角色", "用途"],
    "cpu_cores": ["核数", "cpu 核数", "核心数", "cpu 个数"],
    "mem_gb": ["内存", "内存大小", "内存容量"],
    "cpu_usage": ["cpu 使用率", "cpu 利用率", "cpu 占用", "cpu 占用率", "cpu 负载", "负载"],
    "mem_usage": ["内存使用率", "内存利用率", "内存占用", "内存占用率"],
    "disk_usage": ["磁盘使用率", "磁盘利用率", "磁盘占用", "磁盘占用率", "磁盘", "硬盘使用率"],
    "disk_gb": ["磁盘大小", "磁盘容量", "硬盘大小", "硬盘容量"],
    "status": ["状态", "运行状态"],
    "ip": ["ip 地址", "地址"],
    "engine": ["引擎", "数据库类型"],
    "version": ["版本", "版本号"],
    "size_gb": ["大小", "容量", "数据量", "库大小"],
    "language": ["语言", "开发语言", "编程语言"],
    "tier": ["层级", "分层"],
    "criticality": ["重要性", "重要程度", "重要级别"],
    "replicas": ["副本数", "副本"],
    "port": ["端口", "端口号"],
    "hit_rate": ["命中率", "缓存命中率"],
    "connections": ["连接数"],
    "partitions": ["分区数"],
    "lag": ["消费延迟", "积压", "堆积"],
    "qps": ["请求量", "吞吐量", "流量"],
    "latency_ms": ["延迟", "平均延迟", "响应时间", "时延", "延时"],
    "uptime_days": ["运行天数", "在线天数", "运行时长"],
    "algorithm": ["算法", "负载均衡算法"],
    "nodes": ["节点数", "节点个数"],
}

# Chinese for a word of a stored value (`prod`, the `payments` of `team-payments`).
VALUE_ZH: dict[str, list[str]] = {
    "prod": ["生产", "生产环境", "线上", "线上环境", "正式环境", "产线"],
    "staging": ["预发", "预发环境", "预发布", "预发布环境", "预生产", "准生产"],
    "dev": ["开发", "开发环境"],
    "test": ["测试", "测试环境"],
    "running": ["运行中", "在运行", "正常运行", "正常"],  # not 在线: "在线上环境"
    "stopped": ["停止", "已停止", "停掉", "停了", "停机", "关机", "宕机", "下线", "挂了", "挂掉"],
    "maintenance": ["维护", "维护中"],
    "app": ["应用"],
    "batch": ["批处理"],
    "frontend": ["前端"],
    "backend": ["后端"],
    "edge": ["边缘", "接入层"],
    "infra": ["基础设施", "基础架构"],
    "round-robin": ["轮询"],
    "least-conn": ["最少连接"],
    "high": ["高重要性", "重要性高"],
    "medium": ["中等重要性", "重要性中等"],
    "low": ["低重要性", "重要性低"],
}
TEAM_ZH: dict[str, list[str]] = {
    "payments": ["支付"], "orders": ["订单"], "users": ["用户"], "search": ["搜索"],
    "data": ["数据"], "infra": ["基础架构", "运维"], "web": ["web", "前端"],
}  # fmt: skip

# When the estate lacks a value, what Chinese speakers mean by it: "测试环境" is dev here.
STAND_INS: dict[str, str] = {"test": "dev"}

# Value families (`sh` of sh-1, sh-2) named by city.
FAMILY_ZH: dict[str, str] = {
    "sh": "上海", "bj": "北京", "gz": "广州", "sz": "深圳", "hz": "杭州", "cd": "成都",
    "wh": "武汉", "nj": "南京", "tj": "天津", "xa": "西安", "cq": "重庆", "hk": "香港",
    "sg": "新加坡",
}  # fmt: skip
NUMERALS = "零一二三四五六七八九"
_NUMBERED = re.compile(r"^([a-z]+)[-_ ]?(\d)$")


def zh_type_texts(type_name: str) -> list[str]:
    """Chinese key texts naming an item type."""
    return [compact(t) for t in TYPE_ZH.get(type_name, [])]


def zh_attr_texts(attr: str) -> list[str]:
    """Chinese key texts naming an attribute."""
    return [compact(t) for t in ATTR_ZH.get(attr, [])]


def zh_value_texts(value: str) -> list[str]:
    """Chinese key texts for one stored value: `prod` -> 生产环境, `sh-1` -> 上海一区,
    `team-payments` -> 支付团队."""
    low = value.lower()
    texts = list(VALUE_ZH.get(low, []))
    numbered = _NUMBERED.match(low)
    if numbered and numbered.group(1) in FAMILY_ZH:
        city, n = FAMILY_ZH[numbered.group(1)], int(numbered.group(2))
        for digit in (NUMERALS[n], str(n)):
            texts += [f"{city}{digit}区", f"{city}{digit}号机房", f"{city}机房{digit}"]
    parts = re.split(r"[-_ ]", low)
    if len(parts) == 2 and parts[0] == "team":
        texts += [f"{zh}{suffix}" for zh in TEAM_ZH.get(parts[1], []) for suffix in ("团队", "组")]
    return [compact(t) for t in texts]


def zh_family_texts(family: str) -> list[str]:
    """Chinese key texts for a value family (`sh` -> 上海, 上海机房)."""
    city = FAMILY_ZH.get(family)
    return [city, f"{city}机房", f"{city}地区"] if city else []
