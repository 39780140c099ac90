import type { Codec, DecodeOptions } from 'protons-runtime';
import type { Uint8ArrayList } from 'uint8arraylist';
export interface Message {
    wantlist?: Message.Wantlist;
    blocks: Uint8Array<ArrayBuffer>[];
    payload: Message.Block[];
    blockPresences: Message.BlockPresence[];
    pendingBytes: number;
}
export declare namespace Message {
    interface Wantlist {
        entries: Message.Wantlist.Entry[];
        full: boolean;
    }
    namespace Wantlist {
        enum WantType {
            Block = "Block",
            Have = "Have"
        }
        namespace WantType {
            const codec: () => Codec<WantType>;
        }
        interface Entry {
            block: Uint8Array<ArrayBuffer>;
            priority: number;
            cancel: boolean;
            wantType: Message.Wantlist.WantType;
            sendDontHave: boolean;
        }
        namespace Entry {
            const codec: () => Codec<Entry>;
            interface EntryBlockFieldEvent {
                field: '$.block';
                value: Uint8Array<ArrayBuffer>;
            }
            interface EntryPriorityFieldEvent {
                field: '$.priority';
                value: number;
            }
            interface EntryCancelFieldEvent {
                field: '$.cancel';
                value: boolean;
            }
            interface EntryWantTypeFieldEvent {
                field: '$.wantType';
                value: Message.Wantlist.WantType;
            }
            interface EntrySendDontHaveFieldEvent {
                field: '$.sendDontHave';
                value: boolean;
            }
            function encode(obj: Partial<Entry>): Uint8Array<ArrayBuffer>;
            function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Entry>): Entry;
            function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Entry>): Generator<EntryBlockFieldEvent | EntryPriorityFieldEvent | EntryCancelFieldEvent | EntryWantTypeFieldEvent | EntrySendDontHaveFieldEvent>;
        }
        const codec: () => Codec<Wantlist>;
        interface WantlistEntriesBlockFieldEvent {
            field: '$.entries[].block';
            value: Uint8Array<ArrayBuffer>;
            index: number;
        }
        interface WantlistEntriesPriorityFieldEvent {
            field: '$.entries[].priority';
            value: number;
            index: number;
        }
        interface WantlistEntriesCancelFieldEvent {
            field: '$.entries[].cancel';
            value: boolean;
            index: number;
        }
        interface WantlistEntriesWantTypeFieldEvent {
            field: '$.entries[].wantType';
            value: Message.Wantlist.WantType;
            index: number;
        }
        interface WantlistEntriesSendDontHaveFieldEvent {
            field: '$.entries[].sendDontHave';
            value: boolean;
            index: number;
        }
        interface WantlistFullFieldEvent {
            field: '$.full';
            value: boolean;
        }
        function encode(obj: Partial<Wantlist>): Uint8Array<ArrayBuffer>;
        function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Wantlist>): Wantlist;
        function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Wantlist>): Generator<WantlistEntriesBlockFieldEvent | WantlistEntriesPriorityFieldEvent | WantlistEntriesCancelFieldEvent | WantlistEntriesWantTypeFieldEvent | WantlistEntriesSendDontHaveFieldEvent | WantlistFullFieldEvent>;
    }
    interface Block {
        prefix: Uint8Array<ArrayBuffer>;
        data: Uint8Array<ArrayBuffer>;
    }
    namespace Block {
        const codec: () => Codec<Block>;
        interface BlockPrefixFieldEvent {
            field: '$.prefix';
            value: Uint8Array<ArrayBuffer>;
        }
        interface BlockDataFieldEvent {
            field: '$.data';
            value: Uint8Array<ArrayBuffer>;
        }
        function encode(obj: Partial<Block>): Uint8Array<ArrayBuffer>;
        function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Block>): Block;
        function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Block>): Generator<BlockPrefixFieldEvent | BlockDataFieldEvent>;
    }
    enum BlockPresenceType {
        Have = "Have",
        DontHave = "DontHave"
    }
    namespace BlockPresenceType {
        const codec: () => Codec<BlockPresenceType>;
    }
    interface BlockPresence {
        cid: Uint8Array<ArrayBuffer>;
        type: Message.BlockPresenceType;
    }
    namespace BlockPresence {
        const codec: () => Codec<BlockPresence>;
        interface BlockPresenceCidFieldEvent {
            field: '$.cid';
            value: Uint8Array<ArrayBuffer>;
        }
        interface BlockPresenceTypeFieldEvent {
            field: '$.type';
            value: Message.BlockPresenceType;
        }
        function encode(obj: Partial<BlockPresence>): Uint8Array<ArrayBuffer>;
        function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BlockPresence>): BlockPresence;
        function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BlockPresence>): Generator<BlockPresenceCidFieldEvent | BlockPresenceTypeFieldEvent>;
    }
    const codec: () => Codec<Message>;
    interface MessageWantlistEntriesBlockFieldEvent {
        field: '$.wantlist.entries[].block';
        value: Uint8Array<ArrayBuffer>;
        index: number;
    }
    interface MessageWantlistEntriesPriorityFieldEvent {
        field: '$.wantlist.entries[].priority';
        value: number;
        index: number;
    }
    interface MessageWantlistEntriesCancelFieldEvent {
        field: '$.wantlist.entries[].cancel';
        value: boolean;
        index: number;
    }
    interface MessageWantlistEntriesWantTypeFieldEvent {
        field: '$.wantlist.entries[].wantType';
        value: Message.Wantlist.WantType;
        index: number;
    }
    interface MessageWantlistEntriesSendDontHaveFieldEvent {
        field: '$.wantlist.entries[].sendDontHave';
        value: boolean;
        index: number;
    }
    interface MessageWantlistFullFieldEvent {
        field: '$.wantlist.full';
        value: boolean;
    }
    interface MessageBlocksFieldEvent {
        field: '$.blocks[]';
        index: number;
        value: Uint8Array<ArrayBuffer>;
    }
    interface MessagePayloadPrefixFieldEvent {
        field: '$.payload[].prefix';
        value: Uint8Array<ArrayBuffer>;
        index: number;
    }
    interface MessagePayloadDataFieldEvent {
        field: '$.payload[].data';
        value: Uint8Array<ArrayBuffer>;
        index: number;
    }
    interface MessageBlockPresencesCidFieldEvent {
        field: '$.blockPresences[].cid';
        value: Uint8Array<ArrayBuffer>;
        index: number;
    }
    interface MessageBlockPresencesTypeFieldEvent {
        field: '$.blockPresences[].type';
        value: Message.BlockPresenceType;
        index: number;
    }
    interface MessagePendingBytesFieldEvent {
        field: '$.pendingBytes';
        value: number;
    }
    function encode(obj: Partial<Message>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Message>): Message;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Message>): Generator<MessageWantlistEntriesBlockFieldEvent | MessageWantlistEntriesPriorityFieldEvent | MessageWantlistEntriesCancelFieldEvent | MessageWantlistEntriesWantTypeFieldEvent | MessageWantlistEntriesSendDontHaveFieldEvent | MessageWantlistFullFieldEvent | MessageBlocksFieldEvent | MessagePayloadPrefixFieldEvent | MessagePayloadDataFieldEvent | MessageBlockPresencesCidFieldEvent | MessageBlockPresencesTypeFieldEvent | MessagePendingBytesFieldEvent>;
}
