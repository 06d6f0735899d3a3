/* role.c - the names of the account roles (store.h, pd_role): one table for
 * the store's front (store.c) and every backend, below both. */
#include <string.h>

#include "store/store.h"

static const char *const role_names[] = {
    [PD_ROLE_OPERATOR] = "operator",
    [PD_ROLE_BRAND] = "brand",
    [PD_ROLE_CREATOR] = "creator",
    [PD_ROLE_MCN] = "mcn",
};

const char *pd_role_name(pd_role r)
{
    return r >= PD_ROLE_OPERATOR && r <= PD_ROLE_MCN ? role_names[r] : NULL;
}

int pd_role_from_name(const char *name, pd_role *out)
{
    for (int r = PD_ROLE_OPERATOR; name && r <= PD_ROLE_MCN; r++)
        if (strcmp(name, role_names[r]) == 0) {
            *out = (pd_role)r;
            return 0;
        }
    return -1;
}
