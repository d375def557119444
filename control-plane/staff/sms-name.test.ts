import { smsSafeName } from "./staff.js";

describe("smsSafeName", () => {
  it("keeps a restaurant's name, Vietnamese letters included", () => {
    expect(smsSafeName("Phở Bò Hà Nội")).toBe("Phở Bò Hà Nội");
    expect(smsSafeName("Bún & Chả - Cô Ba's")).toBe("Bún & Chả - Cô Ba's");
  });

  it("lets no link or domain ride along in an SMS from the platform", () => {
    const name = smsSafeName("Nhan qua tai http://evil.example/x?y=1 hoac www.bit.ly");
    expect(name).not.toMatch(/[.:/?=]/);
    expect(name).not.toMatch(/evil\.example|bit\.ly/);
  });

  it("cuts long names to 40 characters", () => {
    expect([...smsSafeName("A".repeat(200))].length).toBe(40);
    expect(smsSafeName(`${"Phở ".repeat(20)}`).endsWith("…")).toBe(true);
  });
});
