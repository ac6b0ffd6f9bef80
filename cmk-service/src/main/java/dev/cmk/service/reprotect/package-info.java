/** Non-null by default: {@code @Nullable} marks where null is a legitimate value. */
@NullMarked
package dev.cmk.service.reprotect;

import org.jspecify.annotations.NullMarked;
