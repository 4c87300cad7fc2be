from django.apps import AppConfig


class CognitoApiConfig(AppConfig):
    name = "cognito_api"
