package dev.quorumkv;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class QuorumKvApplication {

    public static void main(String[] args) {
        SpringApplication.run(QuorumKvApplication.class, args);
    }
}
