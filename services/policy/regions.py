"""The region catalogue of Cixi (city → sub-district/town → village → park): reference data, not demo data."""

from __future__ import annotations

from dataclasses import dataclass

CITY_CODE = "330282"
GUANHAIWEI = "330282107"  # the one 9-digit code verified (domain.md)


@dataclass(frozen=True)
class RegionSeed:
    code: str
    name: str
    level: str  # CITY, TOWN, VILLAGE, PARK
    parent_code: str | None
    kind: str  # CITY, SUB_DISTRICT, TOWN, ZONE, VILLAGE, PARK
    verified: bool = False


# Codes other than 330282 and 330282107 are ASSUMED (listed in docs/policy.md): 9-digit codes under
# 330282, sub-districts 001-005, towns 101-114 with 观海卫 at its verified 107, the new area 400.
_SUB_DISTRICTS = [("001", "浒山街道"), ("002", "古塘街道"), ("003", "白沙路街道"), ("004", "宗汉街道"),
                  ("005", "坎墩街道")]
_TOWNS = [("101", "龙山镇"), ("102", "掌起镇"), ("103", "附海镇"), ("104", "桥头镇"), ("105", "匡堰镇"),
          ("106", "逍林镇"), ("107", "观海卫镇"), ("108", "新浦镇"), ("109", "胜山镇"), ("110", "横河镇"),
          ("111", "崇寿镇"), ("112", "庵东镇"), ("113", "长河镇"), ("114", "周巷镇")]
_ZONES = [("400", "杭州湾新区")]
# Villages of 观海卫镇 named in domain.md; their 12-digit codes (…201-212) are assumed.
_GUANHAIWEI_VILLAGES = ["卫东村", "卫西村", "卫北村", "卫南村", "五里村", "方家村", "师东村", "沈师桥村",
                        "洞桥村", "双湖村", "白洋村", "杜家桥村"]
# Parks are made up for the demo and say so in their names; codes are the town's code + P + two digits.
_PARKS = [(GUANHAIWEI, "P01", "观海卫镇卫东小微企业园(演示)", f"{GUANHAIWEI}201"),
          (GUANHAIWEI, "P02", "观海卫镇五里工业区块(演示)", f"{GUANHAIWEI}205"),
          ("330282114", "P01", "周巷镇小家电产业园(演示)", None),
          ("330282108", "P01", "新浦镇小微企业园(演示)", None),
          ("330282400", "P01", "杭州湾新区汽配园(演示)", None)]


def cixi() -> list[RegionSeed]:
    """Every region row, parents before children."""
    rows = [RegionSeed(CITY_CODE, "慈溪市", "CITY", None, "CITY", verified=True)]
    for suffix, name in _SUB_DISTRICTS:
        rows.append(RegionSeed(CITY_CODE + suffix, name, "TOWN", CITY_CODE, "SUB_DISTRICT"))
    for suffix, name in _TOWNS:
        code = CITY_CODE + suffix
        rows.append(RegionSeed(code, name, "TOWN", CITY_CODE, "TOWN", verified=code == GUANHAIWEI))
    for suffix, name in _ZONES:
        rows.append(RegionSeed(CITY_CODE + suffix, name, "TOWN", CITY_CODE, "ZONE"))
    for i, name in enumerate(_GUANHAIWEI_VILLAGES, start=201):
        rows.append(RegionSeed(f"{GUANHAIWEI}{i}", name, "VILLAGE", GUANHAIWEI, "VILLAGE"))
    for town, suffix, name, village in _PARKS:
        rows.append(RegionSeed(town + suffix, name, "PARK", village or town, "PARK"))
    return rows


def town_of(code: str) -> str:
    """The town (9-digit) a village or park code belongs to."""
    return code[:9]
