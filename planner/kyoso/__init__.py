"""The 共創型サービスIT連携支援補助金 engine (rule packs ``kyoso-r3``, ``kyoso-r4``)."""

from planner.kyoso.params import KyosoParams
from planner.pack import register_engine

register_engine("kyoso", KyosoParams)
