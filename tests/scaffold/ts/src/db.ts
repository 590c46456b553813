import { Pool } from "pg";

const pool = new Pool({ connectionString: process.env.DATABASE_URL });

export async function listInvoices(): Promise<unknown[]> {
  const { rows } = await pool.query("SELECT id, amount FROM invoices ORDER BY id");
  return rows;
}
