import os

from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker

engine = create_engine(os.environ["LEDGER_DATABASE_URL"])
Session = sessionmaker(bind=engine)


class Base(DeclarativeBase):
    pass
