# Written by hand (the pool's MFA factor settings only), so that other settings in progress get their own migration.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("identity", "0006_srp_sign_in"),
    ]

    operations = [
        migrations.AddField(model_name="userpool", name="mfa_software_token_enabled", field=models.BooleanField(default=False)),
        migrations.AddField(model_name="userpool", name="mfa_sms_enabled", field=models.BooleanField(default=False)),
        migrations.AddField(
            model_name="userpool", name="mfa_sms_message",
            field=models.CharField(default="Your authentication code is {####}. ", max_length=140),
        ),
        migrations.AddField(
            model_name="userpool", name="sms_configuration",
            field=models.JSONField(blank=True, default=dict, help_text="Cognito's SmsConfiguration, kept as given."),
        ),
        migrations.AddField(model_name="userpool", name="mfa_email_enabled", field=models.BooleanField(default=False)),
        migrations.AddField(
            model_name="userpool", name="mfa_email_subject", field=models.CharField(default="Your authentication code", max_length=140),
        ),
        migrations.AddField(
            model_name="userpool", name="mfa_email_message", field=models.TextField(default="Your authentication code is {####}."),
        ),
        migrations.AddField(
            model_name="userpool", name="webauthn_relying_party_id",
            field=models.CharField(blank=True, help_text="Empty: the pool's domain.", max_length=127),
        ),
        migrations.AddField(model_name="userpool", name="webauthn_user_verification", field=models.CharField(default="preferred", max_length=9)),
        migrations.AddField(
            model_name="userpool", name="webauthn_factor_configuration", field=models.CharField(default="SINGLE_FACTOR", max_length=40),
        ),
    ]
