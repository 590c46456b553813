import os

from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker

engine = create_engine(os.environ.get("DATABASE_URL", "sqlite:///atlas.db"))
SessionLocal = sessionmaker(bind=engine)


class Base(DeclarativeBase):
    pass
