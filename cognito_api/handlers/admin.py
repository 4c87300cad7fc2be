"""Admin actions on users and groups (SigV4-signed), each a call into identity.services."""
from __future__ import annotations

from cognito_api.params import attributes, optional, pool_from, required
from identity.errors import InvalidParameterException
from identity.models import Group, User
from identity.services import groups, listing, mfa, passwords, signup, tokens, users


def _epoch(moment) -> float:
    return moment.timestamp()


def user_type(user: User, names: list[str] | None = None, *, attributes_key: str = "Attributes") -> dict:
    """Cognito's UserType."""
    values = listing.user_attribute_list(user, names)
    return {
        "Username": user.username,
        attributes_key: values,
        "UserCreateDate": _epoch(user.created_at),
        "UserLastModifiedDate": _epoch(user.updated_at),
        "Enabled": user.enabled,
        "UserStatus": user.status,
    }


def group_type(group: Group) -> dict:
    body = {
        "GroupName": group.name,
        "UserPoolId": group.pool_id,
        "Description": group.description,
        "LastModifiedDate": _epoch(group.updated_at),
        "CreationDate": _epoch(group.created_at),
    }
    if group.role_arn:
        body["RoleArn"] = group.role_arn
    if group.precedence is not None:
        body["Precedence"] = group.precedence
    return body


def admin_create_user(params, context):
    pool = pool_from(params)
    user = users.admin_create_user(
        pool=pool, username=required(params, "Username"), attributes=attributes(params),
        temporary_password=optional(params, "TemporaryPassword"), message_action=optional(params, "MessageAction"),
        desired_delivery_mediums=optional(params, "DesiredDeliveryMediums", list),
        force_alias_creation=bool(optional(params, "ForceAliasCreation", bool)),
        validation_data=attributes(params, "ValidationData") or None, context=context,
    )
    return {"User": user_type(user)}


def admin_get_user(params, context):
    user = users.admin_get_user(pool=pool_from(params), username=required(params, "Username"))
    return {**user_type(user, attributes_key="UserAttributes"), **mfa.mfa_settings(user)}


def admin_delete_user(params, context):
    users.admin_delete_user(pool=pool_from(params), username=required(params, "Username"), context=context)
    return {}


def admin_disable_user(params, context):
    user = users.admin_disable_user(pool=pool_from(params), username=required(params, "Username"), context=context)
    tokens.global_sign_out(user=user)  # Cognito: disabling revokes the user's tokens
    return {}


def admin_enable_user(params, context):
    users.admin_enable_user(pool=pool_from(params), username=required(params, "Username"), context=context)
    return {}


def admin_set_user_password(params, context):
    passwords.admin_set_user_password(
        pool=pool_from(params), username=required(params, "Username"), password=required(params, "Password"),
        permanent=bool(optional(params, "Permanent", bool)), context=context,
    )
    return {}


def admin_reset_user_password(params, context):
    passwords.admin_reset_user_password(pool=pool_from(params), username=required(params, "Username"), context=context)
    return {}


def admin_confirm_sign_up(params, context):
    signup.admin_confirm_sign_up(pool=pool_from(params), username=required(params, "Username"), context=context)
    return {}


def admin_update_user_attributes(params, context):
    users.admin_update_user_attributes(pool=pool_from(params), username=required(params, "Username"), attributes=attributes(params), context=context)
    return {}


def admin_delete_user_attributes(params, context):
    names = optional(params, "UserAttributeNames", list) or []
    users.admin_delete_user_attributes(pool=pool_from(params), username=required(params, "Username"), names=[str(n) for n in names], context=context)
    return {}


def admin_user_global_sign_out(params, context):
    tokens.global_sign_out(user=users.admin_get_user(pool=pool_from(params), username=required(params, "Username")))
    return {}


def list_users(params, context):
    pool = pool_from(params)
    names = optional(params, "AttributesToGet", list)
    page = listing.list_users(
        pool=pool, filter=optional(params, "Filter") or "", limit=optional(params, "Limit", int),
        pagination_token=optional(params, "PaginationToken"), attributes_to_get=names,
    )
    body = {"Users": [user_type(user, names) for user in page.users]}
    if page.pagination_token:
        body["PaginationToken"] = page.pagination_token
    return body


def _limit(params) -> int | None:
    return optional(params, "Limit", int)


def list_users_in_group(params, context):
    page = groups.list_users_in_group(pool=pool_from(params), group_name=required(params, "GroupName"), limit=_limit(params), next_token=optional(params, "NextToken"))
    return _paged("Users", [user_type(u) for u in page.users], page.next_token)


def _paged(key: str, items: list, token: str | None) -> dict:
    body = {key: items}
    if token:
        body["NextToken"] = token
    return body


def admin_add_user_to_group(params, context):
    groups.admin_add_user_to_group(pool=pool_from(params), username=required(params, "Username"), group_name=required(params, "GroupName"), context=context)
    return {}


def admin_remove_user_from_group(params, context):
    groups.admin_remove_user_from_group(pool=pool_from(params), username=required(params, "Username"), group_name=required(params, "GroupName"), context=context)
    return {}


def admin_list_groups_for_user(params, context):
    page = groups.admin_list_groups_for_user(pool=pool_from(params), username=required(params, "Username"), limit=_limit(params), next_token=optional(params, "NextToken"))
    return _paged("Groups", [group_type(g) for g in page.groups], page.next_token)


def create_group(params, context):
    precedence = optional(params, "Precedence", int)
    group = groups.create_group(
        pool=pool_from(params), name=required(params, "GroupName"), description=optional(params, "Description") or "",
        precedence=precedence, role_arn=optional(params, "RoleArn") or "", context=context,
    )
    return {"Group": group_type(group)}


def get_group(params, context):
    return {"Group": group_type(groups.get_group(pool=pool_from(params), name=required(params, "GroupName")))}


def update_group(params, context):
    precedence = params.get("Precedence")
    if precedence is not None and not isinstance(precedence, int):
        raise InvalidParameterException("Precedence must be a whole number.")
    group = groups.update_group(
        pool=pool_from(params), name=required(params, "GroupName"), description=optional(params, "Description"),
        precedence=precedence, role_arn=optional(params, "RoleArn"), context=context,
    )
    return {"Group": group_type(group)}


def delete_group(params, context):
    groups.delete_group(pool=pool_from(params), name=required(params, "GroupName"), context=context)
    return {}


def list_groups(params, context):
    page = groups.list_groups(pool=pool_from(params), limit=_limit(params), next_token=optional(params, "NextToken"))
    return _paged("Groups", [group_type(g) for g in page.groups], page.next_token)


ACTIONS = {
    "AdminCreateUser": admin_create_user,
    "AdminGetUser": admin_get_user,
    "AdminDeleteUser": admin_delete_user,
    "AdminDisableUser": admin_disable_user,
    "AdminEnableUser": admin_enable_user,
    "AdminSetUserPassword": admin_set_user_password,
    "AdminResetUserPassword": admin_reset_user_password,
    "AdminConfirmSignUp": admin_confirm_sign_up,
    "AdminUpdateUserAttributes": admin_update_user_attributes,
    "AdminDeleteUserAttributes": admin_delete_user_attributes,
    "AdminUserGlobalSignOut": admin_user_global_sign_out,
    "AdminAddUserToGroup": admin_add_user_to_group,
    "AdminRemoveUserFromGroup": admin_remove_user_from_group,
    "AdminListGroupsForUser": admin_list_groups_for_user,
    "ListUsers": list_users,
    "ListUsersInGroup": list_users_in_group,
    "CreateGroup": create_group,
    "GetGroup": get_group,
    "UpdateGroup": update_group,
    "DeleteGroup": delete_group,
    "ListGroups": list_groups,
}
