public class JsonTiny { public static String hello() { return "json-tiny 3.1.4"; } }
