/** Non-null by default: {@code @Nullable} marks where null is a legitimate value. */
@NullMarked
package dev.cmk.provider.local;

import org.jspecify.annotations.NullMarked;
