import { DataSource } from 'typeorm';

import { Glaze } from './entities/glaze';
import { Kiln } from './entities/kiln';

export const AppDataSource = new DataSource({
  type: 'sqlite',
  database: process.env.DATABASE_PATH ?? 'pottery.sqlite3',
  entities: [Kiln, Glaze],
  synchronize: process.env.NODE_ENV !== 'production',
});
