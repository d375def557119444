import { builder } from "../builder.js";

builder.scalarType("DateTime", {
  description: "An instant, as an ISO 8601 string in UTC.",
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    const date = new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new TypeError(`'${String(value)}' is not an ISO 8601 date-time`);
    return date;
  },
});
