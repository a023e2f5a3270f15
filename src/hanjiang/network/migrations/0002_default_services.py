"""The services stations commonly offer, as the city's starting list (it can be extended)."""

from django.db import migrations

SERVICES = [
    ("buy-sell", "代买代卖", "Buying and selling on behalf"),
    ("parcels", "快递收发", "Parcel sending and collection"),
    ("cash", "小额存取", "Small cash deposits and withdrawals"),
    ("information", "信息咨询", "Information"),
    ("jobs", "职业介绍", "Job referral"),
    ("government", "政务代办", "Government services on behalf"),
]


def forward(apps, schema_editor):
    service_kind = apps.get_model("network", "ServiceKind")
    for order, (code, name_zh, name_en) in enumerate(SERVICES):
        service_kind.objects.update_or_create(
            code=code, defaults={"name_zh": name_zh, "name_en": name_en, "sort_order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("network", "0001_service_stations")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
