-- A menu item's food cost per unit, in whole VND, entered by owners and managers. Unknown (null)
-- until entered: the ML pod's menu engineering (margin × popularity) needs it, and asks for it
-- while it is missing.
alter table menu_items add column unit_cost_vnd integer check (unit_cost_vnd >= 0);
