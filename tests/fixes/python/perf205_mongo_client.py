import os

from fastapi import FastAPI
from motor.motor_asyncio import AsyncIOMotorClient
from pymongo import MongoClient

MONGODB_URI = os.environ["MONGODB_URI"]
app = FastAPI()


@app.get("/reviews")
def list_reviews():
    client = MongoClient(MONGODB_URI, serverSelectionTimeoutMS=2000)
    try:
        reviews = list(client.shop.reviews.find({}, {"_id": 0}).limit(50))
    finally:
        client.close()
    return reviews


@app.get("/ratings")
def list_ratings():
    mongo = MongoClient(MONGODB_URI)
    ratings = list(mongo.shop.ratings.find({}, {"_id": 0}).limit(50))
    mongo.close()
    return ratings


@app.get("/products")
async def list_products():
    client = AsyncIOMotorClient(
        MONGODB_URI,
        serverSelectionTimeoutMS=2000,
    )
    try:
        return await client.shop.products.find({}, {"_id": 0}).to_list(50)
    finally:
        client.close()


@app.get("/products/{sku}")
async def get_product(sku: str):
    client = AsyncIOMotorClient(
        MONGODB_URI,
        serverSelectionTimeoutMS=2000,
    )
    return await client.shop.products.find_one({"sku": sku}, {"_id": 0})


# Not fixed: the client is a context manager, closed when the block ends.
@app.get("/sellers")
def list_sellers():
    with MongoClient(MONGODB_URI) as client:
        return list(client.shop.sellers.find({}, {"_id": 0}).limit(50))


# Not fixed: the database the client connects to depends on the request.
@app.get("/tenants/{tenant}/orders")
async def tenant_orders(tenant: str):
    client = AsyncIOMotorClient(f"mongodb://{tenant}.db.internal:27017")
    try:
        return await client.shop.orders.find({}, {"_id": 0}).to_list(50)
    finally:
        client.close()
