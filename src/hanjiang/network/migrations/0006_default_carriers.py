"""The postal and express carriers common in the city, as a starting list (it can be extended)."""

from django.db import migrations

CARRIERS = [
    ("china-post", "中国邮政（含 EMS）", "China Post (incl. EMS)", True),
    ("sf", "顺丰速运", "SF Express", False),
    ("jd", "京东物流", "JD Logistics", False),
    ("zto", "中通快递", "ZTO Express", False),
    ("yto", "圆通速递", "YTO Express", False),
    ("sto", "申通快递", "STO Express", False),
    ("yunda", "韵达速递", "Yunda Express", False),
    ("jtexpress", "极兔速递", "J&T Express", False),
    ("deppon", "德邦快递", "Deppon Express", False),
]


def forward(apps, schema_editor):
    carrier = apps.get_model("network", "Carrier")
    for order, (code, name_zh, name_en, postal) in enumerate(CARRIERS):
        carrier.objects.update_or_create(
            code=code,
            defaults={"name_zh": name_zh, "name_en": name_en, "postal": postal, "sort_order": order},
        )


class Migration(migrations.Migration):
    dependencies = [("network", "0005_parks_express_cold_chain_scenic_platforms")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
