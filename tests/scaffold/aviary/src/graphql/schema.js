const { makeExecutableSchema } = require('@graphql-tools/schema');

const Parrot = require('../models/parrot');
const { PermissionDenied } = require('./errors');

const typeDefs = `#graphql
  type Query {
    version: String!
  }

  type Mutation {
    ring(id: ID!, band: String!): Boolean!
  }
`;

const resolvers = {
  Query: {
    version: () => '1',
  },
  Mutation: {
    ring: async (_, { id, band }, { user }) => {
      if (!user) {
        throw new PermissionDenied('ringing needs a keeper');
      }
      const parrot = await Parrot.findByIdAndUpdate(id, { band });
      return parrot !== null;
    },
  },
};

const schema = makeExecutableSchema({ typeDefs, resolvers });

module.exports = { resolvers, schema, typeDefs };
