"""The retail import tax rules in force since 2016 (财关税〔2016〕18号) and since 2019
(财关税〔2018〕49号)."""

from decimal import Decimal

from django.db import migrations

POLICIES = [
    ("2016-04-08", "2000", "20000", "财关税〔2016〕18号《关于跨境电子商务零售进口税收政策的通知》"),
    ("2019-01-01", "5000", "26000", "财关税〔2018〕49号《关于完善跨境电子商务零售进口税收政策的通知》"),
]


def forward(apps, schema_editor):
    policy = apps.get_model("crossborder", "TaxPolicy")
    for valid_from, single, annual, source in POLICIES:
        policy.objects.update_or_create(
            valid_from=valid_from,
            defaults={
                "single_limit": Decimal(single),
                "annual_limit": Decimal(annual),
                "within_limit_share": Decimal("0.7"),
                "duty_rate_within_limit": Decimal("0"),
                "source": source,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("crossborder", "0001_filings_messages_documents")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
