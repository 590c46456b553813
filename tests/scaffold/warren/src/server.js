const { ApolloServer } = require('@apollo/server');
const { startStandaloneServer } = require('@apollo/server/standalone');
const depthLimit = require('graphql-depth-limit');
const mongoose = require('mongoose');

const { resolvers, typeDefs } = require('./graphql/schema');

const server = new ApolloServer({
  typeDefs,
  resolvers,
  introspection: process.env.NODE_ENV !== 'production',
  validationRules: [depthLimit(10)],
});

async function main() {
  await mongoose.connect(process.env.MONGODB_URI);
  const { url } = await startStandaloneServer(server, {
    context: async ({ req }) => ({ user: req.headers.authorization ? { name: 'keeper' } : null }),
  });
  console.log(`warren at ${url}`);
}

main();
