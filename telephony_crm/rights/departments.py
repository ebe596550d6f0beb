"""A user's department, for rights scoped to it: the Department of the user's Employee record
(Employee.user_id) and every department under it in the Department tree."""

import frappe
from frappe.utils.caching import request_cache


@request_cache
def department_users(user: str) -> tuple[str, ...]:
	"""The users of the Employees in `user`'s department and its sub-departments, `user` included.

	Asked once a request: list views ask for every query they build."""
	users = frappe.db.sql(
		"""select distinct member.user_id
		from `tabEmployee` me
		join `tabDepartment` head on head.name = me.department
		join `tabDepartment` department on department.lft >= head.lft and department.rgt <= head.rgt
		join `tabEmployee` member on member.department = department.name
		where me.user_id = %s and ifnull(member.user_id, '') != ''""",
		(user,),
		pluck=True,
	)
	return tuple(sorted({user, *users}))
