/** Non-null by default: {@code @Nullable} marks where null is a legitimate value. */
@NullMarked
package dev.cmk.service.wiring;

import org.jspecify.annotations.NullMarked;
