"""Mark the service requests whose car came (a nightly timer runs it)."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tasks.services import service_requests_mark_arrived

# Requests desired this many days before the arrival window are still looked at: repair
# orders reach the CRM from the DMS with some delay.
LOOK_BACK_MARGIN_DAYS = 30


class Command(BaseCommand):
    help = (
        "Отмечает «Клиент приехал» у заявок на обслуживание, по автомобилю которых открыт "
        "заказ-наряд в окне приезда, и связывает заявку с этим заказ-нарядом."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since",
            help=(
                "Заявки с желаемой датой начиная с этой (ГГГГ-ММ-ДД); по умолчанию — "
                "окно приезда ANALYTICS_ARRIVAL_DAYS и ещё 30 дней назад от сегодня."
            ),
        )

    def handle(self, *args, since=None, **options):
        if since:
            try:
                since_day = dt.date.fromisoformat(since)
            except ValueError as bad:
                raise CommandError(
                    f"Не понимаю дату «{since}»: укажите её как ГГГГ-ММ-ДД, например 2025-03-01."
                ) from bad
        else:
            since_day = timezone.localdate() - dt.timedelta(
                days=settings.ANALYTICS_ARRIVAL_DAYS + LOOK_BACK_MARGIN_DAYS
            )
        count = service_requests_mark_arrived(since=since_day)
        self.stdout.write(f"Отмечено приездов: {count} (заявки с {since_day:%d.%m.%Y}).")
