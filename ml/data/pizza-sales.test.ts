import { describe, expect, it } from "@jest/globals";
import { parsePizzaSales, parseSalesDate, SalesParseError } from "./pizza-sales.js";

const HEADER = "\uFEFFpizza_id;order_id;pizza_name_id;quantity;order_date;order_time;unit_price;pizza_size";

describe("Given the pizza export's day-first dates in both spellings", () => {
  it("reads 2/1/2015 and 02-01-2015 as 2 January", () => {
    expect(parseSalesDate("2/1/2015")).toBe("2015-01-02");
    expect(parseSalesDate("02-01-2015")).toBe("2015-01-02");
    expect(parseSalesDate("13-01-2015")).toBe("2015-01-13");
  });

  it("rejects an impossible day instead of rolling it into the next month", () => {
    expect(() => parseSalesDate("31/2/2015", 7)).toThrow("line 7, order_date: no such day");
  });
});

describe("Given a file with a BOM, CRLF lines and comma decimals", () => {
  it("parses every line with prices as numbers", () => {
    const lines = parsePizzaSales(`${HEADER}\r\n1;1;hawaiian_m;1;1/1/2015;11:38:36;13,25;M\r\n2;2;classic_dlx_m;2;13-01-2015;9:57:40;16;M\r\n`);
    expect(lines).toEqual([
      { orderId: "1", itemId: "hawaiian_m", quantity: 1, date: "2015-01-01", time: "11:38:36", unitPrice: 13.25, size: "M" },
      { orderId: "2", itemId: "classic_dlx_m", quantity: 2, date: "2015-01-13", time: "09:57:40", unitPrice: 16, size: "M" },
    ]);
  });

  it("names the line and field of a bad value", () => {
    const bad = `${HEADER}\n1;1;hawaiian_m;one;1/1/2015;11:38:36;13,25;M\n`;
    expect(() => parsePizzaSales(bad)).toThrow(SalesParseError);
    expect(() => parsePizzaSales(bad)).toThrow("line 2, quantity: not a number");
  });

  it("rejects a file whose header is not the pizza export's", () => {
    expect(() => parsePizzaSales("a;b;c\n1;2;3\n")).toThrow(/line 1, header/);
  });
});
