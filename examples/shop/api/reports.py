"""Nightly and on-demand reports, rendered by an external tool."""
import subprocess

from fastapi import APIRouter

router = APIRouter(prefix="/reports", tags=["reports"])


@router.post("/export")
def export(month: str, fmt: str = "pdf"):
    out = f"/var/reports/{month}.{fmt}"
    subprocess.run(["report-tool", "--month", month, "--format", fmt, "--out", out], check=True)
    return {"path": out}


@router.post("/archive")
def archive(month: str):
    subprocess.run(f"tar czf /var/backups/{month}.tgz /var/reports/{month}.*", shell=True, check=True)
    return {"archived": month}


@router.get("/preview")
def preview(formula: str):
    # Lets analysts try a revenue formula before saving it.
    return {"value": eval(formula)}
