package io.quire.proto;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;

/**
 * Not thread-safe; test double confined to one EmbeddedChannel's thread. A heap allocator that
 * remembers the largest capacity anyone asked of it, initially or by growing a buffer.
 */
final class TrackingAllocator extends AbstractByteBufAllocator {
    private int largestCapacity;

    TrackingAllocator() {
        super(false);
    }

    int largestCapacity() {
        return largestCapacity;
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        largestCapacity = Math.max(largestCapacity, initialCapacity);
        return new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return newHeapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public int calculateNewCapacity(int minNewCapacity, int maxCapacity) {
        int capacity = super.calculateNewCapacity(minNewCapacity, maxCapacity);
        largestCapacity = Math.max(largestCapacity, capacity);
        return capacity;
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }
}
