import { createServer } from 'node:http';

import { createSchema, createYoga } from 'graphql-yoga';
import mongoose from 'mongoose';

import { resolvers, typeDefs } from './schema/index.js';

const yoga = createYoga({
  schema: createSchema({ typeDefs, resolvers }),
  context: ({ request }) => ({
    user: request.headers.get('authorization') ? { name: 'keeper' } : null,
  }),
  graphiql: process.env.NODE_ENV !== 'production',
});

await mongoose.connect(process.env.MONGODB_URI);
createServer(yoga).listen(Number(process.env.PORT || 4000), () => {
  console.log('apiary ready');
});
