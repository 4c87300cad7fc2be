# Written by hand (the pool's lockout settings only), after the MFA settings' migration.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("identity", "0007_pool_mfa_configuration"),
    ]

    operations = [
        migrations.AddField(
            model_name="userpool", name="lockout_threshold",
            field=models.PositiveSmallIntegerField(default=5, help_text="Failed sign-ins before the first lock; 0 turns lockout off."),
        ),
        migrations.AddField(
            model_name="userpool", name="lockout_base_delay_seconds",
            field=models.PositiveIntegerField(default=1, help_text="First lock, in seconds; each further failure doubles it."),
        ),
        migrations.AddField(
            model_name="userpool", name="lockout_max_delay_seconds",
            field=models.PositiveIntegerField(default=900, help_text="Longest lock, in seconds."),
        ),
        migrations.AddField(
            model_name="userpool", name="lockout_reset_seconds",
            field=models.PositiveIntegerField(default=900, help_text="Quiet seconds after which the failure count starts again."),
        ),
    ]
