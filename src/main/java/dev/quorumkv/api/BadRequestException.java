package dev.quorumkv.api;

/** Client input the API refuses with 400; the title names what was wrong, the message how to fix it. */
class BadRequestException extends IllegalArgumentException {

    private final String title;

    BadRequestException(String title, String detail) {
        super(detail);
        this.title = title;
    }

    String title() {
        return title;
    }
}
