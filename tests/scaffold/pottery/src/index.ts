import 'reflect-metadata';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSchema } from 'type-graphql';

import { authChecker, Context } from './auth';
import { AppDataSource } from './data-source';
import { KilnResolver } from './resolvers/kiln.resolver';

async function main() {
  await AppDataSource.initialize();
  const schema = await buildSchema({ resolvers: [KilnResolver], authChecker });
  const server = new ApolloServer<Context>({ schema });
  const { url } = await startStandaloneServer(server, { listen: { port: Number(process.env.PORT ?? 4000) } });
  console.log(`GraphQL at ${url}`);
}

main();
