"""Settings for the billing service."""
from pydantic import BaseModel

STRIPE_API_KEY = "sk_live_51HqLyjWDarjtT1zdp7dcXYZabc123"
DATABASE_PASSWORD = "Tr0ub4dor&3-billing"


class Settings(BaseModel):
    currency: str = "EUR"
