import { describe, expect, it } from "@jest/globals";
import { detectDelimiter, splitCsvLine, stripBom } from "./csv.js";
import { parseMapOption, resolveColumns } from "./mapping.js";
import { detectDateOrder, detectDecimalMark, parseDate, parseTime, parseVnd } from "./values.js";

describe("Given values as POS exports write them", () => {
  it("reads decimal-comma and decimal-dot prices exactly, with thousands separators", () => {
    expect(parseVnd("13,25", ",", 1000)).toEqual({ vnd: 13_250 });
    expect(parseVnd("45.000", ",", 1)).toEqual({ vnd: 45_000 });
    expect(parseVnd("1.250.000,5", ",", 10)).toEqual({ vnd: 12_500_005 });
    expect(parseVnd("20.75", ".", 1000)).toEqual({ vnd: 20_750 });
    expect(parseVnd("16", ",", 1000)).toEqual({ vnd: 16_000 });
  });

  it("refuses amounts that are not whole VND or not numbers, saying why", () => {
    expect(parseVnd("13,25", ",", 1)).toMatchObject({ error: expect.stringContaining("--price-multiplier") });
    expect(parseVnd("abc", ",", 1)).toMatchObject({ error: expect.stringContaining("not a number") });
    expect(parseVnd("", ",", 1)).toEqual({ error: "is empty" });
  });

  it("detects the decimal mark from samples", () => {
    expect(detectDecimalMark(["16", "13,25", "18,5"])).toBe(",");
    expect(detectDecimalMark(["16", "13.25"])).toBe(".");
    expect(detectDecimalMark(["16", "20"])).toBeUndefined();
    // Vietnamese exports group thousands with a dot: 45.000 is forty-five thousand VND.
    expect(detectDecimalMark(["45.000", "120.000", "5.000"])).toBe(",");
    expect(detectDecimalMark(["45,000", "1,250,000"])).toBe(".");
    expect(detectDecimalMark(["45.000", "13,5"])).toBe(",");
  });

  it("reads day-first, month-first and ISO dates and refuses impossible ones", () => {
    expect(parseDate("1/2/2015", "dmy")).toEqual({ date: "2015-02-01" });
    expect(parseDate("13-01-2015", "dmy")).toEqual({ date: "2015-01-13" });
    expect(parseDate("1/2/2015", "mdy")).toEqual({ date: "2015-01-02" });
    expect(parseDate("2015-01-13", "mdy")).toEqual({ date: "2015-01-13" });
    expect(parseDate("31/02/2015", "dmy")).toMatchObject({ error: expect.stringContaining("not a calendar date") });
    expect(parseDate("1/2/15", "dmy")).toMatchObject({ error: expect.stringContaining("four-digit year") });
  });

  it("decides the date order from the days over 12, and flags a mix", () => {
    expect(detectDateOrder(["1/1/2015", "13-01-2015"])).toBe("dmy");
    expect(detectDateOrder(["1/13/2015"])).toBe("mdy");
    expect(detectDateOrder(["1/1/2015"])).toBeUndefined();
    expect(detectDateOrder(["13/1/2015", "1/13/2015"])).toBe("conflict");
    expect(detectDateOrder(["1/1/2015", "31/13/2015"])).toBeUndefined();
  });

  it("reads times with and without seconds", () => {
    expect(parseTime("9:05")).toEqual({ time: "09:05:00" });
    expect(parseTime("23:59:59")).toEqual({ time: "23:59:59" });
    expect(parseTime("24:00")).toMatchObject({ error: expect.any(String) });
  });
});

describe("Given a CSV header", () => {
  it("strips a BOM and picks the delimiter that splits it", () => {
    const header = stripBom("\ufeffpizza_id;order_id;quantity");
    expect(header).toBe("pizza_id;order_id;quantity");
    expect(detectDelimiter(header)).toBe(";");
    expect(detectDelimiter("a,b\tc")).toBe(",");
  });

  it("splits quoted fields with escaped quotes", () => {
    expect(splitCsvLine('1,"Phở ""đặc biệt"", tái",2', ",")).toEqual(["1", 'Phở "đặc biệt", tái', "2"]);
  });

  it("maps known column names and --map overrides, naming what is missing", () => {
    const header = ["pizza_id", "order_id", "pizza_name_id", "quantity", "order_date", "order_time", "unit_price"];
    expect(resolveColumns(header, {})).toEqual({ orderId: 1, item: 2, quantity: 3, date: 4, time: 5, unitPrice: 6 });
    expect(resolveColumns(["Bill", "Món", "SL", "Ngày", "Giờ", "Giá"], parseMapOption("orderId=Bill,item=Món,quantity=SL,date=Ngày,time=Giờ,unitPrice=Giá"))).toEqual({
      orderId: 0, item: 1, quantity: 2, date: 3, time: 4, unitPrice: 5,
    });
    expect(() => resolveColumns(["a", "b"], {})).toThrow(/orderId: no column named/);
    expect(() => parseMapOption("colour=x")).toThrow(/unknown field 'colour'/);
  });
});
