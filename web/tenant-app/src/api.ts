// The cell's GraphQL API as this app uses it (same origin: the router sends /graphql to the cell).
import { graphql } from "../../shared/graphql.js";

export interface LocationInfo {
  id: string;
  name: string;
}
export interface MenuItem {
  id: string;
  name: string;
  priceVnd: number;
  available: boolean;
}
export interface MenuCategory {
  id: string;
  name: string;
  items: MenuItem[];
}
export interface TodayFigures {
  today: string;
  todayRevenue: number;
  todayOrders: number;
  dashboard: {
    hourlyTrends: { hour: number; orders: number; revenue: number }[];
    topItems: { item: { id: string; name: string }; quantity: number; revenue: number }[];
  };
}
export interface Recommendation {
  id: string;
  kind: string;
  title: string;
  body: string;
}
export type PaymentMethod = "CASH" | "MOMO" | "ZALOPAY" | "VNPAY" | "CARD" | "BANK_TRANSFER";
export type Channel = "DINE_IN" | "TAKEAWAY" | "DELIVERY";

const cell = <T>(query: string, variables?: Record<string, unknown>) =>
  graphql<T>("/graphql", query, variables);

export type Role = "OWNER" | "MANAGER" | "STAFF";

export async function fetchStart(): Promise<{
  tenant: { displayName: string };
  locations: LocationInfo[];
  me: { role: Role };
}> {
  return cell(`{ tenant { displayName } locations { id name } me { role } }`);
}

export async function fetchMenu(): Promise<MenuCategory[]> {
  const data = await cell<{ menuCategories: MenuCategory[] }>(
    `{ menuCategories { id name items { id name priceVnd available } } }`,
  );
  return data.menuCategories.filter((c) => c.items.length > 0);
}

export async function fetchToday(locationId: string): Promise<TodayFigures> {
  const { location } = await cell<{ location: { today: string } }>(
    `query($id: ID!) { location(id: $id) { today } }`,
    { id: locationId },
  );
  const data = await cell<{ location: TodayFigures }>(
    `query($id: ID!, $day: LocalDate!) { location(id: $id) { today todayRevenue todayOrders
       dashboard(from: $day, to: $day) { hourlyTrends { hour orders revenue } topItems(limit: 5) { item { id name } quantity revenue } } } }`,
    { id: locationId, day: location.today },
  );
  return data.location;
}

export async function fetchRecommendations(): Promise<Recommendation[]> {
  return (
    await cell<{ recommendations: Recommendation[] }>(
      `{ recommendations(status: PENDING) { id kind title body } }`,
    )
  ).recommendations;
}

export async function decideRecommendation(id: string, decision: "APPROVED" | "DISMISSED"): Promise<void> {
  await cell(
    `mutation($id: ID!, $d: RecommendationDecision!) { decideRecommendation(id: $id, decision: $d) { id status } }`,
    { id, d: decision },
  );
}

export async function createOrder(input: {
  locationId: string;
  idempotencyKey: string;
  channel: Channel;
  paymentMethod: PaymentMethod;
  lines: { menuItemId: string; quantity: number }[];
}): Promise<{ orderId: string; totalVnd: number }> {
  const data = await cell<{ createOrder: { orderId: string; totalVnd: number } }>(
    `mutation($i: CreateOrderInput!) { createOrder(input: $i) { orderId totalVnd } }`,
    { i: input },
  );
  return data.createOrder;
}
