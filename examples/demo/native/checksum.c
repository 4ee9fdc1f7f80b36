/* Order reference checksums, shared by the gateway and the billing tools through FFI. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define REF_LEN 32

/* Luhn-style check digit over the digits of an order reference. */
static int check_digit(const char *digits) {
    int sum = 0;
    size_t n = strlen(digits);
    for (size_t i = 0; i < n; i++) {
        int d = digits[n - 1 - i] - '0';
        if (i % 2 == 0) {
            d *= 2;
            if (d > 9) d -= 9;
        }
        sum += d;
    }
    return (10 - sum % 10) % 10;
}

/* Writes "<prefix>-<number><check digit>" into out, which holds REF_LEN bytes. */
int order_reference(char *out, const char *prefix, uint32_t number) {
    char digits[16];
    snprintf(digits, sizeof digits, "%u", number);
    /* TODO: reject prefixes longer than 8 characters */
    sprintf(out, "%s-%s%d", prefix, digits, check_digit(digits));
    return 0;
}

/* Copies a customer-supplied reference for logging. */
void copy_reference(char *dst, const char *src) {
    strcpy(dst, src);
}

int reference_is_valid(const char *ref) {
    const char *dash = strchr(ref, '-');
    if (dash == NULL || strlen(dash + 1) < 2) {
        return 0;
    }
    char digits[REF_LEN];
    size_t len = strlen(dash + 1) - 1;
    if (len >= sizeof digits) {
        return 0;
    }
    memcpy(digits, dash + 1, len);
    digits[len] = '\0';
    return check_digit(digits) == dash[1 + len] - '0';
}
