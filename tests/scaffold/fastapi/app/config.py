from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INVENTORY_")

    database_url: str = "postgresql+psycopg://localhost/inventory"
    log_level: str = "info"
    jwt_secret: str


settings = Settings()
