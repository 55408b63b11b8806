"""``manage.py create_api_token USER [--name N]``: make an API token; the token is the last line."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from review.api_auth import api_token_create


class Command(BaseCommand):
    help = (
        "Create an API token for USER (sent as 'Authorization: Bearer <token>'). The token is printed "
        "once, on the last line of the output; only its hash is stored. Revoke it in the admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("user", help="The username the token acts as.")
        parser.add_argument("--name", default="", help="What the token is for (shown in the admin).")

    def handle(self, *args, user, name, **options):
        user_model = get_user_model()
        try:
            owner = user_model.objects.get(**{user_model.USERNAME_FIELD: user})
        except user_model.DoesNotExist:
            raise CommandError(f"No user {user!r}.") from None
        if not owner.is_active:
            raise CommandError(f"User {user!r} is inactive: its tokens would be refused.")
        issued = api_token_create(user=owner, name=name)
        self.stdout.write(
            f"Created API token {issued.token.prefix}… ({issued.token.name or 'unnamed'}) for {owner.get_username()}. "
            "Keep it secret: it is shown only now."
        )
        self.stdout.write(issued.raw)
