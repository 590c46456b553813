const { AuthenticationError } = require('./errors');
const Rabbit = require('../models/rabbit');

const typeDefs = `#graphql
  type Query {
    version: String!
  }

  type Mutation {
    adopt(id: ID!): Boolean!
    release(id: ID!): Boolean!
  }
`;

const resolvers = {
  Query: {
    version: () => '1',
  },
  Mutation: {
    adopt: async (_, { id }, context) => {
      if (!context.user) {
        throw new AuthenticationError();
      }
      const rabbit = await Rabbit.findByIdAndUpdate(id, { adopted: true });
      return rabbit !== null;
    },
    release: async (_, { id }, context) => {
      if (!context.user) {
        throw new AuthenticationError();
      }
      const rabbit = await Rabbit.findByIdAndUpdate(id, { adopted: false });
      return rabbit !== null;
    },
  },
};

module.exports = { typeDefs, resolvers };
