import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime';
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc';
export var Message;
(function (Message) {
    let Wantlist;
    (function (Wantlist) {
        let WantType;
        (function (WantType) {
            WantType["Block"] = "Block";
            WantType["Have"] = "Have";
        })(WantType = Wantlist.WantType || (Wantlist.WantType = {}));
        let __WantTypeValues;
        (function (__WantTypeValues) {
            __WantTypeValues[__WantTypeValues["Block"] = 0] = "Block";
            __WantTypeValues[__WantTypeValues["Have"] = 1] = "Have";
        })(__WantTypeValues || (__WantTypeValues = {}));
        (function (WantType) {
            WantType.codec = () => {
                return enumeration(__WantTypeValues);
            };
        })(WantType = Wantlist.WantType || (Wantlist.WantType = {}));
        let Entry;
        (function (Entry) {
            let _codec;
            Entry.codec = () => {
                if (_codec == null) {
                    _codec = message((obj, w, opts = {}) => {
                        if (opts.lengthDelimited !== false) {
                            w.fork();
                        }
                        if ((obj.block != null && obj.block.byteLength > 0)) {
                            w.uint32(10);
                            w.bytes(obj.block);
                        }
                        if ((obj.priority != null && obj.priority !== 0)) {
                            w.uint32(16);
                            w.int32(obj.priority);
                        }
                        if ((obj.cancel != null && obj.cancel !== false)) {
                            w.uint32(24);
                            w.bool(obj.cancel);
                        }
                        if (obj.wantType != null && __WantTypeValues[obj.wantType] !== 0) {
                            w.uint32(32);
                            Message.Wantlist.WantType.codec().encode(obj.wantType, w);
                        }
                        if ((obj.sendDontHave != null && obj.sendDontHave !== false)) {
                            w.uint32(40);
                            w.bool(obj.sendDontHave);
                        }
                        if (opts.lengthDelimited !== false) {
                            w.ldelim();
                        }
                    }, (reader, length, opts = {}) => {
                        const obj = {
                            block: uint8ArrayAlloc(0),
                            priority: 0,
                            cancel: false,
                            wantType: WantType.Block,
                            sendDontHave: false
                        };
                        const end = length == null ? reader.len : reader.pos + length;
                        while (reader.pos < end) {
                            const tag = reader.uint32();
                            switch (tag >>> 3) {
                                case 1: {
                                    obj.block = reader.bytes();
                                    break;
                                }
                                case 2: {
                                    obj.priority = reader.int32();
                                    break;
                                }
                                case 3: {
                                    obj.cancel = reader.bool();
                                    break;
                                }
                                case 4: {
                                    obj.wantType = Message.Wantlist.WantType.codec().decode(reader);
                                    break;
                                }
                                case 5: {
                                    obj.sendDontHave = reader.bool();
                                    break;
                                }
                                default: {
                                    reader.skipType(tag & 7);
                                    break;
                                }
                            }
                        }
                        return obj;
                    }, function* (reader, length, prefix, opts = {}) {
                        const end = length == null ? reader.len : reader.pos + length;
                        while (reader.pos < end) {
                            const tag = reader.uint32();
                            switch (tag >>> 3) {
                                case 1: {
                                    yield {
                                        field: `${prefix}.block`,
                                        value: reader.bytes()
                                    };
                                    break;
                                }
                                case 2: {
                                    yield {
                                        field: `${prefix}.priority`,
                                        value: reader.int32()
                                    };
                                    break;
                                }
                                case 3: {
                                    yield {
                                        field: `${prefix}.cancel`,
                                        value: reader.bool()
                                    };
                                    break;
                                }
                                case 4: {
                                    yield {
                                        field: `${prefix}.wantType`,
                                        value: Message.Wantlist.WantType.codec().decode(reader)
                                    };
                                    break;
                                }
                                case 5: {
                                    yield {
                                        field: `${prefix}.sendDontHave`,
                                        value: reader.bool()
                                    };
                                    break;
                                }
                                default: {
                                    reader.skipType(tag & 7);
                                    break;
                                }
                            }
                        }
                    });
                }
                return _codec;
            };
            function encode(obj) {
                return encodeMessage(obj, Entry.codec());
            }
            Entry.encode = encode;
            function decode(buf, opts) {
                return decodeMessage(buf, Entry.codec(), opts);
            }
            Entry.decode = decode;
            function stream(buf, opts) {
                return streamMessage(buf, Entry.codec(), opts);
            }
            Entry.stream = stream;
        })(Entry = Wantlist.Entry || (Wantlist.Entry = {}));
        let _codec;
        Wantlist.codec = () => {
            if (_codec == null) {
                _codec = message((obj, w, opts = {}) => {
                    if (opts.lengthDelimited !== false) {
                        w.fork();
                    }
                    if (obj.entries != null && obj.entries.length > 0) {
                        for (const value of obj.entries) {
                            w.uint32(10);
                            Message.Wantlist.Entry.codec().encode(value, w);
                        }
                    }
                    if ((obj.full != null && obj.full !== false)) {
                        w.uint32(16);
                        w.bool(obj.full);
                    }
                    if (opts.lengthDelimited !== false) {
                        w.ldelim();
                    }
                }, (reader, length, opts = {}) => {
                    const obj = {
                        entries: [],
                        full: false
                    };
                    const end = length == null ? reader.len : reader.pos + length;
                    while (reader.pos < end) {
                        const tag = reader.uint32();
                        switch (tag >>> 3) {
                            case 1: {
                                if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                                    throw new MaxLengthError('Decode error - repeated field "entries" had too many elements');
                                }
                                obj.entries.push(Message.Wantlist.Entry.codec().decode(reader, reader.uint32(), {
                                    limits: opts.limits?.entries$
                                }));
                                break;
                            }
                            case 2: {
                                obj.full = reader.bool();
                                break;
                            }
                            default: {
                                reader.skipType(tag & 7);
                                break;
                            }
                        }
                    }
                    return obj;
                }, function* (reader, length, prefix, opts = {}) {
                    const obj = {
                        entries: 0
                    };
                    const end = length == null ? reader.len : reader.pos + length;
                    while (reader.pos < end) {
                        const tag = reader.uint32();
                        switch (tag >>> 3) {
                            case 1: {
                                if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                                    throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements');
                                }
                                for (const evt of Message.Wantlist.Entry.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
                                    limits: opts.limits?.entries$
                                })) {
                                    yield {
                                        ...evt,
                                        index: obj.entries
                                    };
                                }
                                obj.entries++;
                                break;
                            }
                            case 2: {
                                yield {
                                    field: `${prefix}.full`,
                                    value: reader.bool()
                                };
                                break;
                            }
                            default: {
                                reader.skipType(tag & 7);
                                break;
                            }
                        }
                    }
                });
            }
            return _codec;
        };
        function encode(obj) {
            return encodeMessage(obj, Wantlist.codec());
        }
        Wantlist.encode = encode;
        function decode(buf, opts) {
            return decodeMessage(buf, Wantlist.codec(), opts);
        }
        Wantlist.decode = decode;
        function stream(buf, opts) {
            return streamMessage(buf, Wantlist.codec(), opts);
        }
        Wantlist.stream = stream;
    })(Wantlist = Message.Wantlist || (Message.Wantlist = {}));
    let Block;
    (function (Block) {
        let _codec;
        Block.codec = () => {
            if (_codec == null) {
                _codec = message((obj, w, opts = {}) => {
                    if (opts.lengthDelimited !== false) {
                        w.fork();
                    }
                    if ((obj.prefix != null && obj.prefix.byteLength > 0)) {
                        w.uint32(10);
                        w.bytes(obj.prefix);
                    }
                    if ((obj.data != null && obj.data.byteLength > 0)) {
                        w.uint32(18);
                        w.bytes(obj.data);
                    }
                    if (opts.lengthDelimited !== false) {
                        w.ldelim();
                    }
                }, (reader, length, opts = {}) => {
                    const obj = {
                        prefix: uint8ArrayAlloc(0),
                        data: uint8ArrayAlloc(0)
                    };
                    const end = length == null ? reader.len : reader.pos + length;
                    while (reader.pos < end) {
                        const tag = reader.uint32();
                        switch (tag >>> 3) {
                            case 1: {
                                obj.prefix = reader.bytes();
                                break;
                            }
                            case 2: {
                                obj.data = reader.bytes();
                                break;
                            }
                            default: {
                                reader.skipType(tag & 7);
                                break;
                            }
                        }
                    }
                    return obj;
                }, function* (reader, length, prefix, opts = {}) {
                    const end = length == null ? reader.len : reader.pos + length;
                    while (reader.pos < end) {
                        const tag = reader.uint32();
                        switch (tag >>> 3) {
                            case 1: {
                                yield {
                                    field: `${prefix}.prefix`,
                                    value: reader.bytes()
                                };
                                break;
                            }
                            case 2: {
                                yield {
                                    field: `${prefix}.data`,
                                    value: reader.bytes()
                                };
                                break;
                            }
                            default: {
                                reader.skipType(tag & 7);
                                break;
                            }
                        }
                    }
                });
            }
            return _codec;
        };
        function encode(obj) {
            return encodeMessage(obj, Block.codec());
        }
        Block.encode = encode;
        function decode(buf, opts) {
            return decodeMessage(buf, Block.codec(), opts);
        }
        Block.decode = decode;
        function stream(buf, opts) {
            return streamMessage(buf, Block.codec(), opts);
        }
        Block.stream = stream;
    })(Block = Message.Block || (Message.Block = {}));
    let BlockPresenceType;
    (function (BlockPresenceType) {
        BlockPresenceType["Have"] = "Have";
        BlockPresenceType["DontHave"] = "DontHave";
    })(BlockPresenceType = Message.BlockPresenceType || (Message.BlockPresenceType = {}));
    let __BlockPresenceTypeValues;
    (function (__BlockPresenceTypeValues) {
        __BlockPresenceTypeValues[__BlockPresenceTypeValues["Have"] = 0] = "Have";
        __BlockPresenceTypeValues[__BlockPresenceTypeValues["DontHave"] = 1] = "DontHave";
    })(__BlockPresenceTypeValues || (__BlockPresenceTypeValues = {}));
    (function (BlockPresenceType) {
        BlockPresenceType.codec = () => {
            return enumeration(__BlockPresenceTypeValues);
        };
    })(BlockPresenceType = Message.BlockPresenceType || (Message.BlockPresenceType = {}));
    let BlockPresence;
    (function (BlockPresence) {
        let _codec;
        BlockPresence.codec = () => {
            if (_codec == null) {
                _codec = message((obj, w, opts = {}) => {
                    if (opts.lengthDelimited !== false) {
                        w.fork();
                    }
                    if ((obj.cid != null && obj.cid.byteLength > 0)) {
                        w.uint32(10);
                        w.bytes(obj.cid);
                    }
                    if (obj.type != null && __BlockPresenceTypeValues[obj.type] !== 0) {
                        w.uint32(16);
                        Message.BlockPresenceType.codec().encode(obj.type, w);
                    }
                    if (opts.lengthDelimited !== false) {
                        w.ldelim();
                    }
                }, (reader, length, opts = {}) => {
                    const obj = {
                        cid: uint8ArrayAlloc(0),
                        type: BlockPresenceType.Have
                    };
                    const end = length == null ? reader.len : reader.pos + length;
                    while (reader.pos < end) {
                        const tag = reader.uint32();
                        switch (tag >>> 3) {
                            case 1: {
                                obj.cid = reader.bytes();
                                break;
                            }
                            case 2: {
                                obj.type = Message.BlockPresenceType.codec().decode(reader);
                                break;
                            }
                            default: {
                                reader.skipType(tag & 7);
                                break;
                            }
                        }
                    }
                    return obj;
                }, function* (reader, length, prefix, opts = {}) {
                    const end = length == null ? reader.len : reader.pos + length;
                    while (reader.pos < end) {
                        const tag = reader.uint32();
                        switch (tag >>> 3) {
                            case 1: {
                                yield {
                                    field: `${prefix}.cid`,
                                    value: reader.bytes()
                                };
                                break;
                            }
                            case 2: {
                                yield {
                                    field: `${prefix}.type`,
                                    value: Message.BlockPresenceType.codec().decode(reader)
                                };
                                break;
                            }
                            default: {
                                reader.skipType(tag & 7);
                                break;
                            }
                        }
                    }
                });
            }
            return _codec;
        };
        function encode(obj) {
            return encodeMessage(obj, BlockPresence.codec());
        }
        BlockPresence.encode = encode;
        function decode(buf, opts) {
            return decodeMessage(buf, BlockPresence.codec(), opts);
        }
        BlockPresence.decode = decode;
        function stream(buf, opts) {
            return streamMessage(buf, BlockPresence.codec(), opts);
        }
        BlockPresence.stream = stream;
    })(BlockPresence = Message.BlockPresence || (Message.BlockPresence = {}));
    let _codec;
    Message.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if (obj.wantlist != null) {
                    w.uint32(10);
                    Message.Wantlist.codec().encode(obj.wantlist, w);
                }
                if (obj.blocks != null && obj.blocks.length > 0) {
                    for (const value of obj.blocks) {
                        w.uint32(18);
                        w.bytes(value);
                    }
                }
                if (obj.payload != null && obj.payload.length > 0) {
                    for (const value of obj.payload) {
                        w.uint32(26);
                        Message.Block.codec().encode(value, w);
                    }
                }
                if (obj.blockPresences != null && obj.blockPresences.length > 0) {
                    for (const value of obj.blockPresences) {
                        w.uint32(34);
                        Message.BlockPresence.codec().encode(value, w);
                    }
                }
                if ((obj.pendingBytes != null && obj.pendingBytes !== 0)) {
                    w.uint32(40);
                    w.int32(obj.pendingBytes);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    blocks: [],
                    payload: [],
                    blockPresences: [],
                    pendingBytes: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.wantlist = Message.Wantlist.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.wantlist
                            });
                            break;
                        }
                        case 2: {
                            if (opts.limits?.blocks != null && obj.blocks.length === opts.limits.blocks) {
                                throw new MaxLengthError('Decode error - repeated field "blocks" had too many elements');
                            }
                            obj.blocks.push(reader.bytes());
                            break;
                        }
                        case 3: {
                            if (opts.limits?.payload != null && obj.payload.length === opts.limits.payload) {
                                throw new MaxLengthError('Decode error - repeated field "payload" had too many elements');
                            }
                            obj.payload.push(Message.Block.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.payload$
                            }));
                            break;
                        }
                        case 4: {
                            if (opts.limits?.blockPresences != null && obj.blockPresences.length === opts.limits.blockPresences) {
                                throw new MaxLengthError('Decode error - repeated field "blockPresences" had too many elements');
                            }
                            obj.blockPresences.push(Message.BlockPresence.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.blockPresences$
                            }));
                            break;
                        }
                        case 5: {
                            obj.pendingBytes = reader.int32();
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const obj = {
                    blocks: 0,
                    payload: 0,
                    blockPresences: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield* Message.Wantlist.codec().stream(reader, reader.uint32(), `${prefix}.wantlist`, {
                                limits: opts.limits?.wantlist
                            });
                            break;
                        }
                        case 2: {
                            if (opts.limits?.blocks != null && obj.blocks === opts.limits.blocks) {
                                throw new MaxLengthError('Streaming decode error - repeated field "blocks" had too many elements');
                            }
                            yield {
                                field: `${prefix}.blocks[]`,
                                index: obj.blocks,
                                value: reader.bytes()
                            };
                            obj.blocks++;
                            break;
                        }
                        case 3: {
                            if (opts.limits?.payload != null && obj.payload === opts.limits.payload) {
                                throw new MaxLengthError('Streaming decode error - repeated field "payload" had too many elements');
                            }
                            for (const evt of Message.Block.codec().stream(reader, reader.uint32(), `${prefix}.payload[]`, {
                                limits: opts.limits?.payload$
                            })) {
                                yield {
                                    ...evt,
                                    index: obj.payload
                                };
                            }
                            obj.payload++;
                            break;
                        }
                        case 4: {
                            if (opts.limits?.blockPresences != null && obj.blockPresences === opts.limits.blockPresences) {
                                throw new MaxLengthError('Streaming decode error - repeated field "blockPresences" had too many elements');
                            }
                            for (const evt of Message.BlockPresence.codec().stream(reader, reader.uint32(), `${prefix}.blockPresences[]`, {
                                limits: opts.limits?.blockPresences$
                            })) {
                                yield {
                                    ...evt,
                                    index: obj.blockPresences
                                };
                            }
                            obj.blockPresences++;
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.pendingBytes`,
                                value: reader.int32()
                            };
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, Message.codec());
    }
    Message.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Message.codec(), opts);
    }
    Message.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Message.codec(), opts);
    }
    Message.stream = stream;
})(Message || (Message = {}));
