from fastapi import APIRouter, Depends

from app.security import require_admin

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/stats", dependencies=[Depends(require_admin)])
async def stats():
    return {"users": 0, "orders": 0}


@router.get("/audit", dependencies=[Depends(require_admin)])
async def audit():
    return {"entries": []}


@router.post("/reindex")
async def reindex():
    return {"queued": True}
