// The JSON scalar: any JSON value in and out (bigints become strings on the way out).
import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';

function literal(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map(literal);
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((f) => [f.name.value, literal(f.value)]));
    default:
      return undefined; // variables inside JSON literals are not supported
  }
}

const toJson = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));

export const resolvers = {
  JSON: new GraphQLScalarType({
    name: 'JSON',
    serialize: toJson,
    parseValue: (v) => v,
    parseLiteral: literal,
  }),
};
