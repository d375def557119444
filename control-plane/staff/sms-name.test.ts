import { smsSafeName } from "./staff.js";

describe("smsSafeName", () => {
  it("keeps a restaurant's name, in the plain letters SMS use (GSM-7, one segment)", () => {
    expect(smsSafeName("Phở Bò Hà Nội")).toBe("Pho Bo Ha Noi");
    expect(smsSafeName("Bún & Chả - Cô Ba's")).toBe("Bun & Cha - Co Ba's");
    expect(smsSafeName("Đồ Ăn Đêm")).toBe("Do An Dem");
    expect(smsSafeName("Phở 24")).toBe("Pho 24");
    expect(smsSafeName("海底捞")).toBe("cua hang");
  });

  it("lets no link, domain or look-alike of one ride along in an SMS from the platform", () => {
    const name = smsSafeName("Nhan qua tai http://evil.example/x?y=1 hoac www.bit.ly");
    expect(name).not.toMatch(/[.:/?=]/);
    expect(name).not.toMatch(/evil\.example|bit\.ly/);
    // U+A4F8 (Lisu letter) and U+0660 (Arabic-Indic zero) look like dots in some fonts.
    expect(smsSafeName("evil\uA4F8com bit\u0660ly")).toBe("evil com bit ly");
  });

  it("lets no phone number ride along either", () => {
    expect(smsSafeName("Goi 1900 6868 nhan luong thang 13")).toBe("Goi nhan luong thang");
  });

  it("cuts long names to 40 characters", () => {
    expect(smsSafeName("A".repeat(200))).toHaveLength(40);
    expect(smsSafeName(`${"Phở ".repeat(20)}`)).toBe("Pho Pho Pho Pho Pho Pho Pho Pho Pho Pho");
  });
});
