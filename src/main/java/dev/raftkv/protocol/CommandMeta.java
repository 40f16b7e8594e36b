package dev.raftkv.protocol;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What COMMAND, COMMAND DOCS and docs/commands.md say about a command beyond its table row: flags,
 * key positions, group, the Redis version that introduced it and a one-line summary, as Redis 7.0
 * reports them. Keyed by command name, so the command table needs no extra columns: a command
 * without an entry here gets key positions 1,1,1 (0,0,0 when answered locally) and flags derived
 * from its route.
 */
public final class CommandMeta {
  /**
   * One command's metadata.
   *
   * @param redisArity the arity Redis 7.0 declares (the table's own arity is what is enforced)
   * @param firstKey position of the first key argument, 0 when the command takes no keys
   * @param lastKey position of the last key, negative counts from the end (-1: the last argument)
   * @param step distance between keys (2 for MSET's key value pairs)
   */
  public record Info(String name, int redisArity, List<String> flags, int firstKey, int lastKey,
      int step, List<String> categories, String group, String since, String summary) {}

  // name|Redis arity|flags|first,last,step|ACL categories|group|since|summary, from Redis 7.0's
  // COMMAND INFO and COMMAND DOCS
  private static final String TABLE = """
      get|2|readonly,fast|1,1,1|@read,@string,@fast|string|1.0.0|Get the value of a key
      set|-3|write,denyoom|1,1,1|@write,@string,@slow|string|1.0.0|Set the string value of a key
      setnx|3|write,denyoom,fast|1,1,1|@write,@string,@fast|string|1.0.0|Set the value of a key, only if the key does not exist
      setex|4|write,denyoom|1,1,1|@write,@string,@slow|string|2.0.0|Set the value and expiration of a key
      psetex|4|write,denyoom|1,1,1|@write,@string,@slow|string|2.6.0|Set the value and expiration in milliseconds of a key
      getset|3|write,denyoom,fast|1,1,1|@write,@string,@fast|string|1.0.0|Set the string value of a key and return its old value
      getdel|2|write,fast|1,1,1|@write,@string,@fast|string|6.2.0|Get the value of a key and delete the key
      getex|-2|write,fast|1,1,1|@write,@string,@fast|string|6.2.0|Get the value of a key and optionally set its expiration
      mget|-2|readonly,fast|1,-1,1|@read,@string,@fast|string|1.0.0|Get the values of all the given keys
      mset|-3|write,denyoom|1,-1,2|@write,@string,@slow|string|1.0.1|Set multiple keys to multiple values
      msetnx|-3|write,denyoom|1,-1,2|@write,@string,@slow|string|1.0.1|Set multiple keys to multiple values, only if none of the keys exist
      incr|2|write,denyoom,fast|1,1,1|@write,@string,@fast|string|1.0.0|Increment the integer value of a key by one
      decr|2|write,denyoom,fast|1,1,1|@write,@string,@fast|string|1.0.0|Decrement the integer value of a key by one
      incrby|3|write,denyoom,fast|1,1,1|@write,@string,@fast|string|1.0.0|Increment the integer value of a key by the given amount
      decrby|3|write,denyoom,fast|1,1,1|@write,@string,@fast|string|1.0.0|Decrement the integer value of a key by the given number
      incrbyfloat|3|write,denyoom,fast|1,1,1|@write,@string,@fast|string|2.6.0|Increment the float value of a key by the given amount
      append|3|write,denyoom,fast|1,1,1|@write,@string,@fast|string|2.0.0|Append a value to a key
      strlen|2|readonly,fast|1,1,1|@read,@string,@fast|string|2.2.0|Get the length of the value stored in a key
      getrange|4|readonly|1,1,1|@read,@string,@slow|string|2.4.0|Get a substring of the string stored at a key
      substr|4|readonly|1,1,1|@read,@string,@slow|string|1.0.0|Get a substring of the string stored at a key
      setrange|4|write,denyoom|1,1,1|@write,@string,@slow|string|2.2.0|Overwrite part of a string at key starting at the specified offset
      setbit|4|write,denyoom|1,1,1|@write,@bitmap,@slow|bitmap|2.2.0|Sets or clears the bit at offset in the string value stored at key
      geoadd|-5|write,denyoom|1,1,1|@write,@geo,@slow|geo|3.2.0|Add one or more geospatial items in the geospatial index represented using a sorted set
      geodist|-4|readonly|1,1,1|@read,@geo,@slow|geo|3.2.0|Returns the distance between two members of a geospatial index
      geohash|-2|readonly|1,1,1|@read,@geo,@slow|geo|3.2.0|Returns members of a geospatial index as standard geohash strings
      geopos|-2|readonly|1,1,1|@read,@geo,@slow|geo|3.2.0|Returns longitude and latitude of members of a geospatial index
      georadius|-6|write,denyoom,movablekeys|1,1,1|@write,@geo,@slow|geo|3.2.0|Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point
      georadiusbymember|-5|write,denyoom,movablekeys|1,1,1|@write,@geo,@slow|geo|3.2.0|Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member
      georadius_ro|-6|readonly|1,1,1|@read,@geo,@slow|geo|3.2.10|A read-only variant for GEORADIUS
      georadiusbymember_ro|-5|readonly|1,1,1|@read,@geo,@slow|geo|3.2.10|A read-only variant for GEORADIUSBYMEMBER
      geosearch|-7|readonly|1,1,1|@read,@geo,@slow|geo|6.2.0|Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.
      geosearchstore|-8|write,denyoom|1,2,1|@write,@geo,@slow|geo|6.2.0|Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.
      pfdebug|3|write,denyoom,admin|2,2,1|@write,@hyperloglog,@admin,@slow|hyperloglog|2.8.9|Internal commands for debugging HyperLogLog values
      pfadd|-2|write,denyoom,fast|1,1,1|@write,@hyperloglog,@fast|hyperloglog|2.8.9|Adds the specified elements to the specified HyperLogLog.
      pfcount|-2|readonly|1,-1,1|@read,@hyperloglog,@slow|hyperloglog|2.8.9|Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).
      pfmerge|-2|write,denyoom|1,-1,1|@write,@hyperloglog,@slow|hyperloglog|2.8.9|Merge N different HyperLogLogs into a single one.
      getbit|3|readonly,fast|1,1,1|@read,@bitmap,@fast|bitmap|2.2.0|Returns the bit value at offset in the string value stored at key
      bitcount|-2|readonly|1,1,1|@read,@bitmap,@slow|bitmap|2.6.0|Count set bits in a string
      bitpos|-3|readonly|1,1,1|@read,@bitmap,@slow|bitmap|2.8.7|Find first bit set or clear in a string
      bitop|-4|write,denyoom|2,-1,1|@write,@bitmap,@slow|bitmap|2.6.0|Perform bitwise operations between strings
      bitfield|-2|write,denyoom|1,1,1|@write,@bitmap,@slow|bitmap|3.2.0|Perform arbitrary bitfield integer operations on strings
      bitfield_ro|-2|readonly,fast|1,1,1|@read,@bitmap,@fast|bitmap|6.0.0|Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD
      lcs|-3|readonly|1,2,1|@read,@string,@slow|string|7.0.0|Find longest common substring
      del|-2|write|1,-1,1|@keyspace,@write,@slow|generic|1.0.0|Delete a key
      unlink|-2|write,fast|1,-1,1|@keyspace,@write,@fast|generic|4.0.0|Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.
      exists|-2|readonly,fast|1,-1,1|@keyspace,@read,@fast|generic|1.0.0|Determine if a key exists
      type|2|readonly,fast|1,1,1|@keyspace,@read,@fast|generic|1.0.0|Determine the type stored at key
      keys|2|readonly|0,0,0|@keyspace,@read,@slow,@dangerous|generic|1.0.0|Find all keys matching the given pattern
      scan|-2|readonly|0,0,0|@keyspace,@read,@slow|generic|2.8.0|Incrementally iterate the keys space
      rename|3|write|1,2,1|@keyspace,@write,@slow|generic|1.0.0|Rename a key
      renamenx|3|write,fast|1,2,1|@keyspace,@write,@fast|generic|1.0.0|Rename a key, only if the new key does not exist
      copy|-3|write,denyoom|1,2,1|@keyspace,@write,@slow|generic|6.2.0|Copy a key
      object|-2|readonly|2,2,1|@keyspace,@read,@slow|generic|2.2.3|A container for object introspection commands
      memory|-2|readonly|2,2,1|@read,@slow|server|4.0.0|A container for memory diagnostics commands
      expire|-3|write,fast|1,1,1|@keyspace,@write,@fast|generic|1.0.0|Set a key's time to live in seconds
      pexpire|-3|write,fast|1,1,1|@keyspace,@write,@fast|generic|2.6.0|Set a key's time to live in milliseconds
      expireat|-3|write,fast|1,1,1|@keyspace,@write,@fast|generic|1.2.0|Set the expiration for a key as a UNIX timestamp
      pexpireat|-3|write,fast|1,1,1|@keyspace,@write,@fast|generic|2.6.0|Set the expiration for a key as a UNIX timestamp specified in milliseconds
      ttl|2|readonly,fast|1,1,1|@keyspace,@read,@fast|generic|1.0.0|Get the time to live for a key in seconds
      pttl|2|readonly,fast|1,1,1|@keyspace,@read,@fast|generic|2.6.0|Get the time to live for a key in milliseconds
      expiretime|2|readonly,fast|1,1,1|@keyspace,@read,@fast|generic|7.0.0|Get the expiration Unix timestamp for a key
      pexpiretime|2|readonly,fast|1,1,1|@keyspace,@read,@fast|generic|7.0.0|Get the expiration Unix timestamp for a key in milliseconds
      persist|2|write,fast|1,1,1|@keyspace,@write,@fast|generic|2.2.0|Remove the expiration from a key
      sort|-2|write,denyoom|1,1,1|@write,@set,@sortedset,@list,@slow,@dangerous|generic|1.0.0|Sort the elements in a list, set or sorted set
      sort_ro|-2|readonly|1,1,1|@read,@set,@sortedset,@list,@slow,@dangerous|generic|7.0.0|Sort the elements in a list, set or sorted set. Read-only variant of SORT.
      dump|2|readonly|1,1,1|@keyspace,@read,@slow|generic|2.6.0|Return a serialized version of the value stored at the specified key.
      restore|-4|write,denyoom|1,1,1|@keyspace,@write,@slow,@dangerous|generic|2.6.0|Create a key using the provided serialized value, previously obtained using DUMP.
      randomkey|1|readonly|0,0,0|@keyspace,@read,@slow|generic|1.0.0|Return a random key from the keyspace
      dbsize|1|readonly,fast|0,0,0|@keyspace,@read,@fast|server|1.0.0|Return the number of keys in the selected database
      flushdb|-1|write|0,0,0|@keyspace,@write,@slow,@dangerous|server|1.0.0|Remove all keys from the current database
      flushall|-1|write|0,0,0|@keyspace,@write,@slow,@dangerous|server|1.0.0|Remove all keys from all databases
      hset|-4|write,denyoom,fast|1,1,1|@write,@hash,@fast|hash|2.0.0|Set the string value of a hash field
      hsetnx|4|write,denyoom,fast|1,1,1|@write,@hash,@fast|hash|2.0.0|Set the value of a hash field, only if the field does not exist
      hget|3|readonly,fast|1,1,1|@read,@hash,@fast|hash|2.0.0|Get the value of a hash field
      hmget|-3|readonly,fast|1,1,1|@read,@hash,@fast|hash|2.0.0|Get the values of all the given hash fields
      hmset|-4|write,denyoom,fast|1,1,1|@write,@hash,@fast|hash|2.0.0|Set multiple hash fields to multiple values
      hdel|-3|write,fast|1,1,1|@write,@hash,@fast|hash|2.0.0|Delete one or more hash fields
      hexists|3|readonly,fast|1,1,1|@read,@hash,@fast|hash|2.0.0|Determine if a hash field exists
      hlen|2|readonly,fast|1,1,1|@read,@hash,@fast|hash|2.0.0|Get the number of fields in a hash
      hkeys|2|readonly|1,1,1|@read,@hash,@slow|hash|2.0.0|Get all the fields in a hash
      hvals|2|readonly|1,1,1|@read,@hash,@slow|hash|2.0.0|Get all the values in a hash
      hgetall|2|readonly|1,1,1|@read,@hash,@slow|hash|2.0.0|Get all the fields and values in a hash
      hincrby|4|write,denyoom,fast|1,1,1|@write,@hash,@fast|hash|2.0.0|Increment the integer value of a hash field by the given number
      hincrbyfloat|4|write,denyoom,fast|1,1,1|@write,@hash,@fast|hash|2.6.0|Increment the float value of a hash field by the given amount
      hstrlen|3|readonly,fast|1,1,1|@read,@hash,@fast|hash|3.2.0|Get the length of the value of a hash field
      hscan|-3|readonly|1,1,1|@read,@hash,@slow|hash|2.8.0|Incrementally iterate hash fields and associated values
      hrandfield|-2|readonly|1,1,1|@read,@hash,@slow|hash|6.2.0|Get one or multiple random fields from a hash
      lpush|-3|write,denyoom,fast|1,1,1|@write,@list,@fast|list|1.0.0|Prepend one or multiple elements to a list
      rpush|-3|write,denyoom,fast|1,1,1|@write,@list,@fast|list|1.0.0|Append one or multiple elements to a list
      lpushx|-3|write,denyoom,fast|1,1,1|@write,@list,@fast|list|2.2.0|Prepend an element to a list, only if the list exists
      rpushx|-3|write,denyoom,fast|1,1,1|@write,@list,@fast|list|2.2.0|Append an element to a list, only if the list exists
      lpop|-2|write,fast|1,1,1|@write,@list,@fast|list|1.0.0|Remove and get the first elements in a list
      rpop|-2|write,fast|1,1,1|@write,@list,@fast|list|1.0.0|Remove and get the last elements in a list
      llen|2|readonly,fast|1,1,1|@read,@list,@fast|list|1.0.0|Get the length of a list
      lrange|4|readonly|1,1,1|@read,@list,@slow|list|1.0.0|Get a range of elements from a list
      lindex|3|readonly|1,1,1|@read,@list,@slow|list|1.0.0|Get an element from a list by its index
      lset|4|write,denyoom|1,1,1|@write,@list,@slow|list|1.0.0|Set the value of an element in a list by its index
      lrem|4|write|1,1,1|@write,@list,@slow|list|1.0.0|Remove elements from a list
      ltrim|4|write|1,1,1|@write,@list,@slow|list|1.0.0|Trim a list to the specified range
      linsert|5|write,denyoom|1,1,1|@write,@list,@slow|list|2.2.0|Insert an element before or after another element in a list
      lpos|-3|readonly|1,1,1|@read,@list,@slow|list|6.0.6|Return the index of matching elements on a list
      lmove|5|write,denyoom|1,2,1|@write,@list,@slow|list|6.2.0|Pop an element from a list, push it to another list and return it
      rpoplpush|3|write,denyoom|1,2,1|@write,@list,@slow|list|1.2.0|Remove the last element in a list, prepend it to another list and return it
      blpop|-3|write,noscript,blocking|1,-2,1|@write,@list,@slow,@blocking|list|2.0.0|Remove and get the first element in a list, or block until one is available
      brpop|-3|write,noscript,blocking|1,-2,1|@write,@list,@slow,@blocking|list|2.0.0|Remove and get the last element in a list, or block until one is available
      blmove|6|write,denyoom,noscript,blocking|1,2,1|@write,@list,@slow,@blocking|list|6.2.0|Pop an element from a list, push it to another list and return it; or block until one is available
      brpoplpush|4|write,denyoom,noscript,blocking|1,2,1|@write,@list,@slow,@blocking|list|2.2.0|Pop an element from a list, push it to another list and return it; or block until one is available
      lmpop|-4|write,movablekeys|0,0,0|@write,@list,@slow|list|7.0.0|Pop elements from a list
      blmpop|-5|write,blocking,movablekeys|0,0,0|@write,@list,@slow,@blocking|list|7.0.0|Pop elements from a list, or block until one is available
      sadd|-3|write,denyoom,fast|1,1,1|@write,@set,@fast|set|1.0.0|Add one or more members to a set
      srem|-3|write,fast|1,1,1|@write,@set,@fast|set|1.0.0|Remove one or more members from a set
      smembers|2|readonly|1,1,1|@read,@set,@slow|set|1.0.0|Get all the members in a set
      sismember|3|readonly,fast|1,1,1|@read,@set,@fast|set|1.0.0|Determine if a given value is a member of a set
      smismember|-3|readonly,fast|1,1,1|@read,@set,@fast|set|6.2.0|Returns the membership associated with the given elements for a set
      scard|2|readonly,fast|1,1,1|@read,@set,@fast|set|1.0.0|Get the number of members in a set
      spop|-2|write,fast|1,1,1|@write,@set,@fast|set|1.0.0|Remove and return one or multiple random members from a set
      srandmember|-2|readonly|1,1,1|@read,@set,@slow|set|1.0.0|Get one or multiple random members from a set
      sinter|-2|readonly|1,-1,1|@read,@set,@slow|set|1.0.0|Intersect multiple sets
      sunion|-2|readonly|1,-1,1|@read,@set,@slow|set|1.0.0|Add multiple sets
      sdiff|-2|readonly|1,-1,1|@read,@set,@slow|set|1.0.0|Subtract multiple sets
      sinterstore|-3|write,denyoom|1,-1,1|@write,@set,@slow|set|1.0.0|Intersect multiple sets and store the resulting set in a key
      sunionstore|-3|write,denyoom|1,-1,1|@write,@set,@slow|set|1.0.0|Add multiple sets and store the resulting set in a key
      sdiffstore|-3|write,denyoom|1,-1,1|@write,@set,@slow|set|1.0.0|Subtract multiple sets and store the resulting set in a key
      sintercard|-3|readonly,movablekeys|0,0,0|@read,@set,@slow|set|7.0.0|Intersect multiple sets and return the cardinality of the result
      smove|4|write,fast|1,2,1|@write,@set,@fast|set|1.0.0|Move a member from one set to another
      sscan|-3|readonly|1,1,1|@read,@set,@slow|set|2.8.0|Incrementally iterate Set elements
      zadd|-4|write,denyoom,fast|1,1,1|@write,@sortedset,@fast|sorted-set|1.2.0|Add one or more members to a sorted set, or update its score if it already exists
      zrem|-3|write,fast|1,1,1|@write,@sortedset,@fast|sorted-set|1.2.0|Remove one or more members from a sorted set
      zscore|3|readonly,fast|1,1,1|@read,@sortedset,@fast|sorted-set|1.2.0|Get the score associated with the given member in a sorted set
      zmscore|-3|readonly,fast|1,1,1|@read,@sortedset,@fast|sorted-set|6.2.0|Get the score associated with the given members in a sorted set
      zincrby|4|write,denyoom,fast|1,1,1|@write,@sortedset,@fast|sorted-set|1.2.0|Increment the score of a member in a sorted set
      zcard|2|readonly,fast|1,1,1|@read,@sortedset,@fast|sorted-set|1.2.0|Get the number of members in a sorted set
      zcount|4|readonly,fast|1,1,1|@read,@sortedset,@fast|sorted-set|2.0.0|Count the members in a sorted set with scores within the given values
      zrank|3|readonly,fast|1,1,1|@read,@sortedset,@fast|sorted-set|2.0.0|Determine the index of a member in a sorted set
      zrevrank|3|readonly,fast|1,1,1|@read,@sortedset,@fast|sorted-set|2.0.0|Determine the index of a member in a sorted set, with scores ordered from high to low
      zrange|-4|readonly|1,1,1|@read,@sortedset,@slow|sorted-set|1.2.0|Return a range of members in a sorted set
      zrangebyscore|-4|readonly|1,1,1|@read,@sortedset,@slow|sorted-set|1.0.5|Return a range of members in a sorted set, by score
      zrevrange|-4|readonly|1,1,1|@read,@sortedset,@slow|sorted-set|1.2.0|Return a range of members in a sorted set, by index, with scores ordered from high to low
      zrevrangebyscore|-4|readonly|1,1,1|@read,@sortedset,@slow|sorted-set|2.2.0|Return a range of members in a sorted set, by score, with scores ordered from high to low
      zrangebylex|-4|readonly|1,1,1|@read,@sortedset,@slow|sorted-set|2.8.9|Return a range of members in a sorted set, by lexicographical range
      zrevrangebylex|-4|readonly|1,1,1|@read,@sortedset,@slow|sorted-set|2.8.9|Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.
      zlexcount|4|readonly,fast|1,1,1|@read,@sortedset,@fast|sorted-set|2.8.9|Count the number of members in a sorted set between a given lexicographical range
      zpopmin|-2|write,fast|1,1,1|@write,@sortedset,@fast|sorted-set|5.0.0|Remove and return members with the lowest scores in a sorted set
      zpopmax|-2|write,fast|1,1,1|@write,@sortedset,@fast|sorted-set|5.0.0|Remove and return members with the highest scores in a sorted set
      bzpopmin|-3|write,noscript,blocking,fast|1,-2,1|@write,@sortedset,@fast,@blocking|sorted-set|5.0.0|Remove and return the member with the lowest score from one or more sorted sets, or block until one is available
      bzpopmax|-3|write,noscript,blocking,fast|1,-2,1|@write,@sortedset,@fast,@blocking|sorted-set|5.0.0|Remove and return the member with the highest score from one or more sorted sets, or block until one is available
      zmpop|-4|write,movablekeys|0,0,0|@write,@sortedset,@slow|sorted-set|7.0.0|Remove and return members with scores in a sorted set
      bzmpop|-5|write,blocking,movablekeys|0,0,0|@write,@sortedset,@slow,@blocking|sorted-set|7.0.0|Remove and return members with scores in a sorted set or block until one is available
      zrangestore|-5|write,denyoom|1,2,1|@write,@sortedset,@slow|sorted-set|6.2.0|Store a range of members from sorted set into another key
      zscan|-3|readonly|1,1,1|@read,@sortedset,@slow|sorted-set|2.8.0|Incrementally iterate sorted sets elements and associated scores
      zrandmember|-2|readonly|1,1,1|@read,@sortedset,@slow|sorted-set|6.2.0|Get one or multiple random elements from a sorted set
      zunion|-3|readonly,movablekeys|0,0,0|@read,@sortedset,@slow|sorted-set|6.2.0|Add multiple sorted sets
      zinter|-3|readonly,movablekeys|0,0,0|@read,@sortedset,@slow|sorted-set|6.2.0|Intersect multiple sorted sets
      zdiff|-3|readonly,movablekeys|0,0,0|@read,@sortedset,@slow|sorted-set|6.2.0|Subtract multiple sorted sets
      zunionstore|-4|write,denyoom,movablekeys|1,1,1|@write,@sortedset,@slow|sorted-set|2.0.0|Add multiple sorted sets and store the resulting sorted set in a new key
      zinterstore|-4|write,denyoom,movablekeys|1,1,1|@write,@sortedset,@slow|sorted-set|2.0.0|Intersect multiple sorted sets and store the resulting sorted set in a new key
      zdiffstore|-4|write,denyoom,movablekeys|1,1,1|@write,@sortedset,@slow|sorted-set|6.2.0|Subtract multiple sorted sets and store the resulting sorted set in a new key
      zintercard|-3|readonly,movablekeys|0,0,0|@read,@sortedset,@slow|sorted-set|7.0.0|Intersect multiple sorted sets and return the cardinality of the result
      zremrangebyrank|4|write|1,1,1|@write,@sortedset,@slow|sorted-set|2.0.0|Remove all members in a sorted set within the given indexes
      zremrangebyscore|4|write|1,1,1|@write,@sortedset,@slow|sorted-set|1.2.0|Remove all members in a sorted set within the given scores
      zremrangebylex|4|write|1,1,1|@write,@sortedset,@slow|sorted-set|2.8.9|Remove all members in a sorted set between the given lexicographical range
      multi|1|noscript,loading,stale,fast,allow_busy|0,0,0|@fast,@transaction|transactions|1.2.0|Mark the start of a transaction block
      exec|1|noscript,loading,stale,skip_slowlog|0,0,0|@slow,@transaction|transactions|1.2.0|Execute all commands issued after MULTI
      discard|1|noscript,loading,stale,fast,allow_busy|0,0,0|@fast,@transaction|transactions|2.0.0|Discard all commands issued after MULTI
      watch|-2|noscript,loading,stale,fast,allow_busy|1,-1,1|@fast,@transaction|transactions|2.2.0|Watch the given keys to determine execution of the MULTI/EXEC block
      unwatch|1|noscript,loading,stale,fast,allow_busy|0,0,0|@fast,@transaction|transactions|2.2.0|Forget about all watched keys
      eval|-3|noscript,stale,skip_monitor,no_mandatory_keys,movablekeys|0,0,0|@slow,@scripting|scripting|2.6.0|Execute a Lua script server side
      evalsha|-3|noscript,stale,skip_monitor,no_mandatory_keys,movablekeys|0,0,0|@slow,@scripting|scripting|2.6.0|Execute a Lua script server side
      eval_ro|-3|readonly,noscript,stale,skip_monitor,no_mandatory_keys,movablekeys|0,0,0|@slow,@scripting|scripting|7.0.0|Execute a read-only Lua script server side
      evalsha_ro|-3|readonly,noscript,stale,skip_monitor,no_mandatory_keys,movablekeys|0,0,0|@slow,@scripting|scripting|7.0.0|Execute a read-only Lua script server side
      script|-2||0,0,0|@slow|scripting|2.6.0|A container for Lua scripts management commands
      ping|-1|fast|0,0,0|@fast,@connection|connection|1.0.0|Ping the server
      echo|2|loading,stale,fast|0,0,0|@fast,@connection|connection|1.0.0|Echo the given string
      quit|-1|noscript,loading,stale,fast,no_auth,allow_busy|0,0,0|@fast,@connection|connection|1.0.0|Close the connection
      select|2|loading,stale,fast|0,0,0|@fast,@connection|connection|1.0.0|Change the selected database for the current connection
      hello|-1|noscript,loading,stale,fast,no_auth,allow_busy|0,0,0|@fast,@connection|connection|6.0.0|Handshake with Redis
      auth|-2|noscript,loading,stale,fast,no_auth,allow_busy|0,0,0|@fast,@connection|connection|1.0.0|Authenticate to the server
      client|-2||0,0,0|@slow|connection|2.4.0|A container for client connection commands
      command|-1|loading,stale|0,0,0|@slow,@connection|server|2.8.13|Get array of Redis command details
      config|-2||0,0,0|@slow|server|2.0.0|A container for server configuration commands
      acl|-2||0,0,0|@slow|server|6.0.0|A container for Access List Control commands
      info|-1|loading,stale|0,0,0|@slow,@dangerous|server|1.0.0|Get information and statistics about the server
      time|1|loading,stale,fast|0,0,0|@fast|server|2.6.0|Return the current server time
      debug|-2|admin,noscript,loading,stale|0,0,0|@admin,@slow,@dangerous|server|1.0.0|A container for debugging commands
      wait|3|noscript|0,0,0|@slow,@connection|generic|3.0.0|Wait for the synchronous replication of all the write commands sent in the context of the current connection
      reset|1|noscript,loading,stale,fast,no_auth,allow_busy|0,0,0|@fast,@connection|connection|6.2.0|Reset the connection
      publish|3|pubsub,loading,stale,fast|0,0,0|@pubsub,@fast|pubsub|2.0.0|Post a message to a channel
      spublish|3|pubsub,loading,stale,fast|1,1,1|@pubsub,@fast|pubsub|7.0.0|Post a message to a shard channel
      subscribe|-2|pubsub,noscript,loading,stale|0,0,0|@pubsub,@slow|pubsub|2.0.0|Listen for messages published to the given channels
      unsubscribe|-1|pubsub,noscript,loading,stale|0,0,0|@pubsub,@slow|pubsub|2.0.0|Stop listening for messages posted to the given channels
      psubscribe|-2|pubsub,noscript,loading,stale|0,0,0|@pubsub,@slow|pubsub|2.0.0|Listen for messages published to channels matching the given patterns
      punsubscribe|-1|pubsub,noscript,loading,stale|0,0,0|@pubsub,@slow|pubsub|2.0.0|Stop listening for messages posted to channels matching the given patterns
      ssubscribe|-2|pubsub,noscript,loading,stale|1,-1,1|@pubsub,@slow|pubsub|7.0.0|Listen for messages published to the given shard channels
      sunsubscribe|-1|pubsub,noscript,loading,stale|1,-1,1|@pubsub,@slow|pubsub|7.0.0|Stop listening for messages posted to the given shard channels
      pubsub|-2||0,0,0|@slow|pubsub|2.8.0|A container for Pub/Sub commands
      readonly|1|loading,stale,fast|0,0,0|@fast,@connection|cluster|3.0.0|Enables read queries for a connection to a cluster replica node
      readwrite|1|loading,stale,fast|0,0,0|@fast,@connection|cluster|3.0.0|Disables read queries for a connection to a cluster replica node
      asking|1|fast|0,0,0|@fast,@connection|cluster|3.0.0|Sent by cluster clients after an -ASK redirect
      cluster|-2||0,0,0|@slow|cluster|3.0.0|A container for cluster commands
      """;

  private static final Map<String, Info> BY_NAME = new HashMap<>();

  static {
    for (String line : TABLE.split("\n")) {
      String[] f = line.strip().split("\\|", 8);
      if (f.length < 8) {
        continue;
      }
      String[] keys = f[3].split(",");
      BY_NAME.put(f[0], new Info(f[0], Integer.parseInt(f[1]), list(f[2]), Integer.parseInt(keys[0]),
          Integer.parseInt(keys[1]), Integer.parseInt(keys[2]), list(f[4]), f[5], f[6], f[7]));
    }
  }

  private CommandMeta() {}

  private static List<String> list(String commaSeparated) {
    return commaSeparated.isEmpty() ? List.of() : List.of(commaSeparated.split(","));
  }

  /** Redis's metadata for a command name, or null when this table has none. */
  public static Info redis(String name) {
    return BY_NAME.get(name);
  }
}
